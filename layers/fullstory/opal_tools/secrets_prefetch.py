"""Imported first by every tool function: in Lambda, reading the bearer token and the Fullstory key
starts now, in the background, so those two Secrets Manager round trips overlap the rest of the
handler's imports instead of following them. Elsewhere (tests, ``make run``) it does nothing.

Only the secrets the function is configured with: a tool that never calls Fullstory has no key
in its environment (nor the permission to read one), and must not ask for it.
"""

import os

from .secrets import API_KEY_SECRET_ENV, TOKEN_SECRET_ENV, prefetch

prefetch(*(name for name in (TOKEN_SECRET_ENV, API_KEY_SECRET_ENV) if os.environ.get(name, "").strip()))
