"""Secrets Manager reads, cached for ``SECRET_MAX_AGE_S``.

In Lambda the secret comes from one signed HTTPS request (``aws_secrets``): boto3 stays off the
cold path. Elsewhere (tests, ``make run``, anything unusual) and whenever that request fails,
Powertools' boto3-based provider reads it, as before. ``prefetch`` starts those reads in the
background during a cold start, so the round trips overlap the handler's imports.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from .aws_secrets import DirectReadFailed, DirectSecrets, SecretValueUnreadable, settings_from_env

SECRET_MAX_AGE_S = 300  # rotation is picked up within 5 minutes, or at once via force=True
TOKEN_SECRET_ENV = "OPAL_BEARER_TOKEN_SECRET_ID"
API_KEY_SECRET_ENV = "FULLSTORY_API_KEY_SECRET_ID"
PREFETCH_WAIT_S = 12.0  # two reads on the direct path, each bounded by its own timeout

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_direct: DirectSecrets | None = None
_direct_disabled = False
_cache: dict[str, tuple[str, float]] = {}  # secret id -> (value, monotonic time read), direct path only
_prefetch: threading.Thread | None = None


class SecretUnavailable(Exception):
    """The secret is not configured or cannot be read; the message never holds its value."""


class SecretMalformed(SecretUnavailable):
    """The secret was read but holds nothing usable (empty, blank, binary that is not UTF-8 text).

    ``env_var`` and ``secret_name`` say which secret to fix; the message names both, never the value.
    """

    def __init__(self, env_var: str, secret_id: str, problem: str) -> None:
        self.env_var = env_var
        self.secret_name = secret_name(secret_id)
        super().__init__(f"the secret {self.secret_name} (named by {env_var}) {problem}")


def secret_name(secret_id: str) -> str:
    """A secret's name without the ARN around it (which would show the account id)."""
    if secret_id.startswith("arn:") and ":secret:" in secret_id:
        return secret_id.split(":secret:", 1)[1]
    return secret_id


def clear_cache() -> None:
    """Forget cached values and the direct client (tests; a changed environment)."""
    global _direct, _direct_disabled, _prefetch
    _await_prefetch()
    _prefetch = None
    with _lock:
        _cache.clear()
        if _direct is not None:
            _direct.close_locked()
        _direct, _direct_disabled = None, False


def _direct_client() -> DirectSecrets | None:
    global _direct
    if _direct_disabled:
        return None
    settings = settings_from_env()
    if settings is None:
        return None
    if _direct is None or _direct.settings != settings:
        _direct = DirectSecrets(settings)
    return _direct


def _read_direct(secret_id: str, force: bool) -> str | None:
    """The value via the signed request, or None when that path does not apply or failed."""
    global _direct_disabled
    with _lock:
        cached = _cache.get(secret_id)
        if cached is not None and not force and time.monotonic() - cached[1] < SECRET_MAX_AGE_S:
            return cached[0]
        client = _direct_client()
    if client is None:
        return None
    try:
        value = client.get_secret_value(secret_id)
    except DirectReadFailed as exc:
        if exc.credentials_rejected:
            _direct_disabled = True  # the boto3 path from now on: it knows more ways to sign and refresh
        _log.warning("direct Secrets Manager read failed (%s); using boto3", exc)
        return None
    with _lock:
        _cache[secret_id] = (value, time.monotonic())
    return value


def prefetch(*env_vars: str) -> bool:
    """Start reading the secrets named by ``env_vars`` on the direct path, in a background thread.

    Only where that path applies (in Lambda), once per container. ``read_secret`` waits for it, so
    nothing is read twice; a failed read there is simply read again, and reported, by the caller.
    Returns whether a prefetch is running.
    """
    global _prefetch
    secret_ids = [os.environ.get(name, "").strip() for name in env_vars]
    if _prefetch is not None or settings_from_env() is None or not all(secret_ids):
        return False

    def read_all() -> None:
        for secret_id in secret_ids:
            try:
                _read_direct(secret_id, force=False)
            except Exception:  # noqa: S112 - the caller reads it again and reports what went wrong
                continue

    _prefetch = threading.Thread(target=read_all, name="secrets-prefetch", daemon=True)
    _prefetch.start()
    return True


def _await_prefetch() -> None:
    if _prefetch is not None and _prefetch.is_alive():
        _prefetch.join(PREFETCH_WAIT_S)


def read_secret(env_var: str, *, force: bool = False) -> str:
    """The text of the secret named by environment variable ``env_var``, without surrounding blanks.

    ``SecretMalformed`` when it holds nothing usable: an empty or blank value, or a SecretBinary
    that is not UTF-8 text.
    """
    secret_id = os.environ.get(env_var, "").strip()
    if not secret_id:
        raise SecretUnavailable(f"{env_var} is not set")
    _await_prefetch()
    try:
        direct = _read_direct(secret_id, force)
    except SecretValueUnreadable:
        raise SecretMalformed(env_var, secret_id, "holds a SecretBinary that is not UTF-8 text") from None
    if direct is not None:
        return _usable(direct, env_var, secret_id)
    # Imported on first use: boto3 is the heaviest import on the cold path.
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_S, force_fetch=force)
    except Exception as exc:  # GetParameterError and botocore errors alike
        raise SecretUnavailable(f"secret named by {env_var} could not be read ({type(exc).__name__})") from None
    if isinstance(value, bytes):  # SecretBinary, already base64-decoded by botocore
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretMalformed(env_var, secret_id, "holds a SecretBinary that is not UTF-8 text") from None
    return _usable(str(value), env_var, secret_id)


def _usable(value: str, env_var: str, secret_id: str) -> str:
    text = value.strip()
    if not text:
        raise SecretMalformed(env_var, secret_id, "is empty" if not value else "holds only whitespace")
    return text
