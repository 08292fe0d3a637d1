"""Secrets Manager reads through Powertools' cached provider."""

from __future__ import annotations

import os

SECRET_MAX_AGE_S = 300  # rotation is picked up within 5 minutes, or at once via force=True


class SecretUnavailable(Exception):
    """The secret is not configured or cannot be read; the message never holds its value."""


def read_secret(env_var: str, *, force: bool = False) -> str:
    """The SecretString of the secret named by environment variable ``env_var``."""
    secret_id = os.environ.get(env_var, "").strip()
    if not secret_id:
        raise SecretUnavailable(f"{env_var} is not set")
    # Imported on first use: boto3 is the heaviest import on the cold path.
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_S, force_fetch=force)
    except Exception as exc:  # GetParameterError and botocore errors alike
        raise SecretUnavailable(f"secret named by {env_var} could not be read ({type(exc).__name__})") from None
    text = value.decode() if isinstance(value, bytes) else str(value)
    return text.strip()
