"""Imported first by every tool function: in Lambda, reading the bearer token and the Fullstory key
starts now, in the background, so those two Secrets Manager round trips overlap the rest of the
handler's imports instead of following them. Elsewhere (tests, ``make run``) it does nothing.
"""

from .secrets import API_KEY_SECRET_ENV, TOKEN_SECRET_ENV, prefetch

prefetch(TOKEN_SECRET_ENV, API_KEY_SECRET_ENV)
