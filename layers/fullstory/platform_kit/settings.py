"""Every environment variable the product reads, parsed into one typed ``Settings``.

``settings()`` parses the environment once and answers the same object until the environment
changes (in Lambda it never does; the local server and the tests set it per function). A value
that is present but unusable raises ``SettingsError`` naming the variable and what it takes: a
function configured wrongly fails at once and says why, instead of running on a silent default.
Absent variables take their defaults.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Names the template (and the DESIGN contracts) give these variables.
SERVICE_ENV = "POWERTOOLS_SERVICE_NAME"
METRICS_NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
API_KEY_SECRET_ENV = "FULLSTORY_API_KEY_SECRET_ID"
TOKEN_SECRET_ENV = "OPAL_BEARER_TOKEN_SECRET_ID"
BASE_URL_ENV = "FULLSTORY_API_BASE_URL"
RETRY_BASE_DELAY_ENV = "FULLSTORY_RETRY_BASE_DELAY_S"  # first backoff step; tests and local runs shorten it
AI_ENABLED_ENV = "FULLSTORY_AI_ANALYSIS_ENABLED"
ENABLED_TOOLS_ENV = "ENABLED_TOOLS"
BASE_PROFILES_ENV = "FULLSTORY_SUMMARY_BASE_PROFILES"
BUCKET_ENV = "EXPORT_BUCKET"
STATE_MACHINE_ENV = "EXPORT_STATE_MACHINE_ARN"
URL_TTL_ENV = "EXPORT_URL_TTL_SECONDS"
RETENTION_ENV = "EXPORT_RETENTION_DAYS"
MAX_WAIT_ENV = "EXPORT_MAX_WAIT_SECONDS"
ALLOWED_HOSTS_ENV = "CALLBACK_ALLOWED_HOSTS"
MCP_ORIGINS_ENV = "MCP_ALLOWED_ORIGINS"  # browser origins /mcp answers (CorsAllowedOrigins); * for any
ALLOW_LOOPBACK_ENV = "LOCAL_ALLOW_LOOPBACK_URLS"  # only the local server sets it
# Only the local server (and tests) set it: the simulator's exports finish in seconds, so the
# workflow's waits are multiplied by it there. The template never passes it: 1 in AWS.
WAIT_SCALE_ENV = "LOCAL_EXPORT_WAIT_SCALE"
# Only the local server sets it: where its in-process S3 serves signed links (moto is not on the
# internet). A loopback URL only, so no setting can send a link elsewhere.
LOCAL_S3_LINKS_ENV = "LOCAL_S3_LINK_PREFIX"
SUMMARY_TABLE_ENV = "SUMMARY_TABLE"  # the summary cache and the Activation budget's counters
SUMMARY_WORKER_ENV = "SUMMARY_WORKER_FUNCTION"  # the function that makes a summary outside the call
SUMMARY_CACHE_TTL_ENV = "FULLSTORY_SUMMARY_CACHE_TTL_HOURS"
ACTIVATION_BUDGET_ENV = "FULLSTORY_ACTIVATION_BUDGET"
VISIT_CONCURRENCY_ENV = "FULLSTORY_VISIT_PROFILE_CONCURRENCY"
CA_BUNDLE_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")  # as requests reads them
# The AWS Parameters and Secrets Lambda Extension's own variables: where it listens, and the
# token Lambda gives every process of the function (the extension refuses requests without it).
EXTENSION_PORT_ENV = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
SESSION_TOKEN_ENV = "AWS_SESSION_TOKEN"

DEFAULT_SERVICE = "fullstory-opal-tools"
DEFAULT_NAMESPACE = "FullstoryOpalTools"
DEFAULT_RETRY_BASE_DELAY_S = 0.5
DEFAULT_URL_TTL_S = 3600
URL_TTL_RANGE = (60, 7 * 86_400)  # SigV4's limit for a presigned URL
DEFAULT_MAX_WAIT_S = 3 * 3600  # below the workflow's 4 h TimeoutSeconds, so Opal still hears back
DEFAULT_EXTENSION_PORT = 2773
WAIT_SCALE_ALLOWED = "a number above 0, at most 1 (the share of the export workflow's waits kept)"
DEFAULT_SUMMARY_CACHE_TTL_H = 168
MAX_SUMMARY_CACHE_TTL_H = 8760  # a year; the template parameter's bound too
DEFAULT_VISIT_CONCURRENCY = 10
MAX_VISIT_CONCURRENCY = 20  # the visit profile's session limit: more could never run at once
ALL_TOOLS = "all"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_HOST = re.compile(r"[a-z0-9*.-]+")
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]+)?")
_NAMES = (
    SERVICE_ENV,
    METRICS_NAMESPACE_ENV,
    API_KEY_SECRET_ENV,
    TOKEN_SECRET_ENV,
    BASE_URL_ENV,
    RETRY_BASE_DELAY_ENV,
    AI_ENABLED_ENV,
    ENABLED_TOOLS_ENV,
    BASE_PROFILES_ENV,
    BUCKET_ENV,
    STATE_MACHINE_ENV,
    URL_TTL_ENV,
    RETENTION_ENV,
    MAX_WAIT_ENV,
    ALLOWED_HOSTS_ENV,
    MCP_ORIGINS_ENV,
    ALLOW_LOOPBACK_ENV,
    WAIT_SCALE_ENV,
    LOCAL_S3_LINKS_ENV,
    SUMMARY_TABLE_ENV,
    SUMMARY_WORKER_ENV,
    SUMMARY_CACHE_TTL_ENV,
    ACTIVATION_BUDGET_ENV,
    VISIT_CONCURRENCY_ENV,
    *CA_BUNDLE_ENV,
    EXTENSION_PORT_ENV,
    SESSION_TOKEN_ENV,
)


class SettingsError(ValueError):
    """An environment variable holds a value the product cannot use; the message names it."""

    def __init__(self, name: str, value: str, allowed: str) -> None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        super().__init__(f"{name}={shown!r} is not usable: {allowed}")
        self.name = name


@dataclass(frozen=True, slots=True)
class Settings:
    service: str
    metrics_namespace: str
    api_key_secret_id: str  # "" when the function reads no Fullstory key
    token_secret_id: str  # "" when the function reads no bearer token
    fullstory_base_url: str | None
    retry_base_delay_s: float
    ai_analysis_enabled: bool
    enabled_tools: frozenset[str]  # lower-cased tokens; {"all"} when nothing is selected
    summary_base_profiles: str  # type=profileId pairs, parsed by the tools (they know the types)
    export_bucket: str
    export_state_machine_arn: str
    export_url_ttl_s: int
    export_retention_days: int | None
    export_max_wait_s: int
    callback_allowed_hosts: tuple[str, ...]
    mcp_allowed_origins: tuple[str, ...]  # lower-cased, without a trailing slash; () allows none
    allow_loopback_urls: bool
    export_wait_scale: float
    local_s3_link_prefix: str | None  # e.g. http://127.0.0.1:3000/__local/s3/
    summary_table: str  # "" when the function has no summary cache
    summary_worker_function: str  # "" when it cannot hand a summary to the worker
    summary_cache_ttl_h: int  # 0: no caching
    activation_budget: int  # Activations per calendar month (UTC); 0: unlimited
    visit_profile_concurrency: int
    ca_bundle: str | None
    secrets_extension_port: int
    session_token: str | None = field(default=None, repr=False)  # a credential: never printed

    def secret_id(self, env_var: str) -> str:
        """The secret id the variable ``env_var`` names ("" when it is not set)."""
        ids = {API_KEY_SECRET_ENV: self.api_key_secret_id, TOKEN_SECRET_ENV: self.token_secret_id}
        if env_var not in ids:
            raise KeyError(f"{env_var} names no secret the product reads")
        return ids[env_var]


def parse_tool_selection(raw: str | None) -> frozenset[str]:
    """``ENABLED_TOOLS``' tokens, lower-cased; ``{"all"}`` when nothing is selected."""
    tokens = frozenset(token.strip().lower() for token in (raw or "").split(",") if token.strip())
    return tokens or frozenset({ALL_TOOLS})


def _flag(name: str, raw: str | None, default: bool) -> bool:
    text = (raw or "").strip().lower()
    if not text:
        return default
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise SettingsError(name, raw or "", "true or false")


def _integer(name: str, raw: str | None, low: int, high: int | None = None) -> int | None:
    """The whole number in ``raw``; None when it is absent or blank."""
    text = (raw or "").strip()
    if not text:
        return None
    allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else "")
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        raise SettingsError(name, text, allowed)
    return int(text)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _seconds(name: str, raw: str | None) -> float:
    text = (raw or "").strip()
    if not text:
        return DEFAULT_RETRY_BASE_DELAY_S
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(name, text, "a number of seconds, 0 or more") from None
    if not math.isfinite(value) or value < 0:
        raise SettingsError(name, text, "a number of seconds, 0 or more")
    return value


def _wait_scale(raw: str | None) -> float:
    text = (raw or "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(WAIT_SCALE_ENV, text, WAIT_SCALE_ALLOWED) from None
    if not 0 < value <= 1:  # also refuses nan
        raise SettingsError(WAIT_SCALE_ENV, text, WAIT_SCALE_ALLOWED)
    return value


def _local_link_prefix(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    allowed = "an http URL on 127.0.0.1 or localhost ending in /, e.g. http://127.0.0.1:3000/__local/s3/"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise SettingsError(LOCAL_S3_LINKS_ENV, text, allowed) from None
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1") and parts.username is None
    if parts.scheme != "http" or not loopback or parts.query or parts.fragment or not text.endswith("/"):
        raise SettingsError(LOCAL_S3_LINKS_ENV, text, allowed)
    return text


def _base_url(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise SettingsError(BASE_URL_ENV, text, "a URL such as https://api.fullstory.com") from None
    if parts.username is not None or parts.password is not None:  # never echoed: it may hold a password
        raise SettingsError(BASE_URL_ENV, "<a URL with credentials>", "a URL without a user name or password")
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(BASE_URL_ENV, text, "a URL such as https://api.fullstory.com")
    return text.rstrip("/")


def _hosts(raw: str | None) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in (raw or "").split(",") if host.strip())
    for host in hosts:
        if not _HOST.fullmatch(host):
            raise SettingsError(ALLOWED_HOSTS_ENV, raw or "", "host names separated by commas (*.example.com too)")
    return hosts


def _origins(raw: str | None) -> tuple[str, ...]:
    origins = tuple(origin.strip().lower().rstrip("/") for origin in (raw or "").split(",") if origin.strip())
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SettingsError(MCP_ORIGINS_ENV, raw or "", "origins such as https://tools.example.com, or *")
    return origins


def parse(environ: dict[str, str | None]) -> Settings:
    """The settings ``environ`` describes; ``SettingsError`` for the first unusable value."""

    def text(name: str) -> str:
        return (environ.get(name) or "").strip()

    return Settings(
        service=text(SERVICE_ENV) or DEFAULT_SERVICE,
        metrics_namespace=text(METRICS_NAMESPACE_ENV) or DEFAULT_NAMESPACE,
        api_key_secret_id=text(API_KEY_SECRET_ENV),
        token_secret_id=text(TOKEN_SECRET_ENV),
        fullstory_base_url=_base_url(environ.get(BASE_URL_ENV)),
        retry_base_delay_s=_seconds(RETRY_BASE_DELAY_ENV, environ.get(RETRY_BASE_DELAY_ENV)),
        ai_analysis_enabled=_flag(AI_ENABLED_ENV, environ.get(AI_ENABLED_ENV), True),
        enabled_tools=parse_tool_selection(environ.get(ENABLED_TOOLS_ENV)),
        summary_base_profiles=text(BASE_PROFILES_ENV),
        export_bucket=text(BUCKET_ENV),
        export_state_machine_arn=text(STATE_MACHINE_ENV),
        export_url_ttl_s=_or(_integer(URL_TTL_ENV, environ.get(URL_TTL_ENV), *URL_TTL_RANGE), DEFAULT_URL_TTL_S),
        export_retention_days=_integer(RETENTION_ENV, environ.get(RETENTION_ENV), 1),
        export_max_wait_s=_or(_integer(MAX_WAIT_ENV, environ.get(MAX_WAIT_ENV), 1), DEFAULT_MAX_WAIT_S),
        callback_allowed_hosts=_hosts(environ.get(ALLOWED_HOSTS_ENV)),
        mcp_allowed_origins=_origins(environ.get(MCP_ORIGINS_ENV)),
        allow_loopback_urls=_flag(ALLOW_LOOPBACK_ENV, environ.get(ALLOW_LOOPBACK_ENV), False),
        export_wait_scale=_wait_scale(environ.get(WAIT_SCALE_ENV)),
        local_s3_link_prefix=_local_link_prefix(environ.get(LOCAL_S3_LINKS_ENV)),
        summary_table=text(SUMMARY_TABLE_ENV),
        summary_worker_function=text(SUMMARY_WORKER_ENV),
        summary_cache_ttl_h=_or(
            _integer(SUMMARY_CACHE_TTL_ENV, environ.get(SUMMARY_CACHE_TTL_ENV), 0, MAX_SUMMARY_CACHE_TTL_H),
            DEFAULT_SUMMARY_CACHE_TTL_H,
        ),
        activation_budget=_or(_integer(ACTIVATION_BUDGET_ENV, environ.get(ACTIVATION_BUDGET_ENV), 0), 0),
        visit_profile_concurrency=_or(
            _integer(VISIT_CONCURRENCY_ENV, environ.get(VISIT_CONCURRENCY_ENV), 1, MAX_VISIT_CONCURRENCY),
            DEFAULT_VISIT_CONCURRENCY,
        ),
        ca_bundle=next((text(name) for name in CA_BUNDLE_ENV if text(name)), None),
        secrets_extension_port=_or(
            _integer(EXTENSION_PORT_ENV, environ.get(EXTENSION_PORT_ENV), 1, 65535), DEFAULT_EXTENSION_PORT
        ),
        session_token=environ.get(SESSION_TOKEN_ENV) or None,
    )


_lock = threading.Lock()
_parsed: tuple[tuple[str | None, ...], Settings] | None = None


def settings() -> Settings:
    """The settings of the current environment, parsed once per distinct environment."""
    global _parsed
    key = tuple(os.environ.get(name) for name in _NAMES)
    current = _parsed
    if current is not None and current[0] == key:
        return current[1]
    parsed = parse(dict(zip(_NAMES, key, strict=True)))
    with _lock:
        _parsed = (key, parsed)
    return parsed
