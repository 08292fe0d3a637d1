"""The Fullstory REST client: one connection pool, timeouts, bounded retries, typed errors.

It knows nothing of Opal or AWS. Reads are retried on 429, 5xx, timeouts and broken connections;
a POST (it creates: an export, a metered summary, a profile) only when the answer proves nothing
was processed. Retries honour ``Retry-After`` and never sleep past the caller's deadline (a
Lambda's remaining time), so a slow Fullstory turns into a clear error instead of a killed function.
"""

from __future__ import annotations

import copy
import json
import os
import random
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlencode, urlsplit

import urllib3
from pydantic import BaseModel, ValidationError
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)

from .download import ExportFile, error_for_download, release
from .errors import (
    BadRequest,
    CreateUncertain,
    Forbidden,
    FullstoryError,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    UnsafeId,
    UpstreamError,
    UpstreamTimeout,
)
from .hosts import resolve_base_url
from .models import (
    ExportDownload,
    ExportFormat,
    ExportScope,
    ExportType,
    Operation,
    OperationPage,
    Segment,
    SegmentPage,
    Session,
    SessionList,
    SessionSummary,
    TimeRange,
)
from .summary_config import SummaryConfiguration

M = TypeVar("M", bound=BaseModel)

# Methods that may be sent twice. A POST may not: a proxy that forwarded it and then failed
# answers 502/504 although Fullstory created the export; only 429 proves it was not processed.
_IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "PUT"})
_NOT_PROCESSED = frozenset({429})
# Operations created up to this long before our create still count as "maybe ours": the clocks differ.
_CANDIDATE_SKEW = timedelta(minutes=2)
_MIN_REQUEST_BUDGET_S = 0.5  # no point starting a request with less time than this left
_MAX_RETRY_AFTER_S = 30.0
SUMMARY_READ_TIMEOUT_S = 60.0  # LLM-backed; the caller's deadline is the real bound


_USER_AGENT = "fullstory-opal-tools/1.0"
# What requests asked for: compressed JSON answers (urllib3 inflates them), and export files as
# stored (without it, storage may inflate a gzip object on the fly).
_ACCEPT_ENCODING = "gzip, deflate"
# A signed download link may redirect (requests followed them); nothing else is retried here.
_DOWNLOAD_RETRIES = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5, raise_on_redirect=True)


def proxy_for(url: str) -> str | None:
    """The proxy that HTTPS_PROXY / HTTP_PROXY / NO_PROXY (as requests read them) choose for ``url``."""
    import urllib.request  # only when a pool is built: not on the import path

    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def pool_manager(
    proxy: str | None, *, ca_bundle: str | None = None, num_pools: int = 1, maxsize: int = 1
) -> urllib3.PoolManager:
    """Kept-alive connections, through ``proxy`` if any; TLS verified with ``ca_bundle`` when given."""
    options: dict[str, Any] = {"num_pools": num_pools, "maxsize": maxsize}
    if ca_bundle:  # otherwise the system trust store (Lambda's)
        options["ca_cert_dir" if os.path.isdir(ca_bundle) else "ca_certs"] = ca_bundle
    if proxy is None:
        return urllib3.PoolManager(**options)
    auth = urllib3.util.parse_url(proxy).auth
    if auth:  # urllib3 does not take credentials from the proxy URL by itself
        options["proxy_headers"] = urllib3.make_headers(proxy_basic_auth=unquote(auth))
    return urllib3.ProxyManager(proxy, **options)


def _is_timeout(error: BaseException) -> bool:
    # NewConnectionError (refused, unresolvable) subclasses ConnectTimeoutError but is no timeout.
    return isinstance(error, ConnectTimeoutError | ReadTimeoutError) and not isinstance(error, NewConnectionError)


def _never_sent(error: BaseException) -> bool:
    """The connection (to Fullstory, or to the proxy) could not be set up: no byte of the request left."""
    if isinstance(error, ProxyError):
        error = error.original_error
    return isinstance(error, ConnectTimeoutError)  # NewConnectionError (refused, no DNS) included


def _path_id(value: str) -> str:
    """One path segment. Session ids carry ':' (sent as %3A), old segment ids '@' and ':'.

    Everything but letters, digits and ``-._~`` is percent-encoded, so only a dot-segment could
    still change the path (``/segments/v1/..`` is ``/segments/``): refused, nothing is sent.
    """
    if not value or value.strip(".") == "":
        raise UnsafeId(f"the id {value!r} would change the request path; nothing was sent to Fullstory")
    return quote(value, safe="")


def where(url: str) -> str:
    """``host[:port]`` of a URL: what an operator checks first, without path, query or credentials."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.hostname or '?'}{f':{port}' if port else ''}"


def _tls_reason(exc: SSLError) -> str:
    inner = next((arg for arg in exc.args if isinstance(arg, ssl.SSLError)), None)
    reason = getattr(inner, "verify_message", None) or getattr(inner, "reason", None)
    return f"TLS error ({reason})" if reason else "TLS error (the secure connection could not be set up)"


# Checked in order (NameResolutionError and NewConnectionError are ConnectTimeoutErrors in urllib3).
_CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (NameResolutionError, "DNS failure (the host name does not resolve)"),
    (ConnectionRefusedError, "connection refused (nothing accepts connections on that port)"),
    (ConnectTimeoutError, "timeout while connecting"),
    (ReadTimeoutError, "timeout waiting for the answer"),
    (ProtocolError, "the connection was closed or reset before the answer"),
)


def connection_cause(exc: BaseException) -> str:
    """Why no answer came, in words that point to the fix. Built from the error's type, never its
    text (urllib3's names connection objects, a proxy's may carry credentials)."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        return connection_cause(exc.reason)
    if isinstance(exc, ProxyError):
        inner = exc.original_error
        return "the proxy failed" + (f": {connection_cause(inner)}" if isinstance(inner, BaseException) else "")
    if isinstance(exc, SSLError):
        return _tls_reason(exc)
    if isinstance(exc, ResponseError):  # urllib3's own fixed texts
        return "too many redirects" if "redirect" in str(exc) else "too many error answers"
    if isinstance(exc, NewConnectionError) and not isinstance(exc, NameResolutionError):
        if not isinstance(exc.__cause__, OSError):  # not a timeout, although urllib3 makes it a subclass of one
            return "the connection failed"
        exc = exc.__cause__
    for kind, cause in _CAUSES:
        if isinstance(exc, kind):
            return cause
    errno = getattr(exc, "errno", None)
    return f"connection failed ({os.strerror(errno)})" if isinstance(errno, int) else "the connection failed"


def _transport_error(
    exc: HTTPError, read_timeout: float, sent: bool, idempotent: bool, retry_timeouts: bool, host: str
) -> tuple[FullstoryError, bool]:
    """The error for a request that got no answer, and whether it may be sent again."""
    if isinstance(exc, ReadTimeoutError):
        message = f"Fullstory at {host} did not answer within {read_timeout:g} s"
        return UpstreamTimeout(message), idempotent and retry_timeouts
    if _is_timeout(exc):  # nothing was sent
        return UpstreamTimeout(f"Fullstory at {host} could not be reached in time ({connection_cause(exc)})"), True
    # Refused, unresolvable, reset, TLS, proxy.
    return UpstreamError(f"no answer from Fullstory at {host}: {connection_cause(exc)}"), idempotent or not sent


class FullstoryClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        pool_size: int = 10,
        ca_bundle: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = resolve_base_url(api_key, base_url)
        self._where = where(self.base_url)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.deadline: float | None = None  # on ``clock``'s scale; None = no deadline
        self._sleep = sleep
        self._clock = clock
        self._http = pool_manager(proxy_for(self.base_url), ca_bundle=ca_bundle, num_pools=2, maxsize=pool_size)
        self._headers = {
            "Authorization": f"Basic {api_key}",
            "Accept": "application/json",
            "Accept-Encoding": _ACCEPT_ENCODING,
            "User-Agent": _USER_AGENT,
            "integration-source": "fullstory-opal-tools",
        }
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        # Built on their own: the signed URL carries its signature and must never see the API key.
        self._download_headers = {"Accept": "*/*", "Accept-Encoding": _ACCEPT_ENCODING, "User-Agent": _USER_AGENT}

    def set_time_budget(self, seconds: float | None) -> None:
        """Bound every following call (retries and sleeps included) to ``seconds`` from now."""
        self.deadline = None if seconds is None else self._clock() + seconds

    def with_time_budget(self, seconds: float | None) -> FullstoryClient:
        """A view for one thread: this client's connections, its own deadline (no later than this one's)."""
        view = copy.copy(self)  # shares the (thread-safe) pool; ``deadline`` is the only per-call state
        if seconds is not None:
            own = self._clock() + seconds
            view.deadline = own if self.deadline is None else min(own, self.deadline)
        return view

    def close(self) -> None:
        self._http.clear()

    # --- segments -------------------------------------------------------------------------

    def list_segments(
        self, *, limit: int = 20, pagination_token: str | None = None, creator: str | None = None
    ) -> SegmentPage:
        params: dict[str, Any] = {"limit": limit}
        if pagination_token:
            params["paginationToken"] = pagination_token
        if creator:
            params["creator"] = creator
        return self._get_model(SegmentPage, "/segments/v1", params=params)

    def get_segment(self, segment_id: str) -> Segment:
        return self._get_model(Segment, f"/segments/v1/{_path_id(segment_id)}")

    # --- exports --------------------------------------------------------------------------

    def create_segment_export(
        self,
        *,
        segment_id: str,
        export_type: ExportType,
        export_format: ExportFormat,
        time_range: TimeRange,
        segment_time_range: TimeRange | None = None,
        timezone: str | None = None,
        fields: list[str] | None = None,
        scope: ExportScope | None = None,
    ) -> str:
        """Start an export (Admin key); returns the operation id to poll.

        Sent once (429 and a connection never made aside): a failure that may have created the
        export anyway is a ``CreateUncertain`` naming the export operations started meanwhile.
        """
        body: dict[str, Any] = {
            "segmentId": segment_id,
            "type": export_type,
            "format": export_format,
            "timeRange": time_range.model_dump(),
        }
        if segment_time_range is not None:
            body["segmentTimeRange"] = segment_time_range.model_dump()
        if timezone:
            body["timezone"] = timezone
        if fields:
            body["fields"] = fields
        if scope:
            body["eventDetails"] = {"scope": scope}
        sent_at = datetime.now(UTC)
        try:
            response: BaseHTTPResponse = self._request("POST", "/segments/v1/exports", json_body=body, raw=True)
            data = self._json(response)
        except FullstoryError as error:
            if error.may_have_been_processed or isinstance(error, MalformedResponse):
                raise self._create_uncertain(error, sent_at) from None
            raise
        # Fullstory's SDK reads the answer as {operationId?, error?}: a 2xx may carry a refusal.
        refusal = data.get("error") if isinstance(data, dict) else None
        if isinstance(refusal, str) and refusal.strip():
            raise BadRequest(refusal.strip()[:300], status=response.status)
        operation_id = data.get("operationId") if isinstance(data, dict) else None
        if isinstance(operation_id, int) and not isinstance(operation_id, bool):
            operation_id = str(operation_id)
        if not isinstance(operation_id, str) or not operation_id.strip():
            reason = MalformedResponse(f"Fullstory answered {response.status} without an operationId")
            raise self._create_uncertain(reason, sent_at)
        return operation_id.strip()

    def _create_uncertain(self, error: FullstoryError, sent_at: datetime) -> CreateUncertain:
        """What the caller needs after a create that may have worked: what happened, and where to look."""
        candidates = self._exports_started_since(sent_at - _CANDIDATE_SKEW)
        cause = f"Fullstory answered HTTP {error.status}" if error.status else "no answer came"
        message = (
            f"{cause} ({error.message}) after the export request was sent, so Fullstory may have created the "
            "export anyway; it was not sent again, so that no second export starts."
        )
        if candidates:
            message += f" Export operations Fullstory started since then: {', '.join(candidates)}."
        elif candidates is not None:
            message += " Fullstory lists no export operation started since then (yet)."
        timed_out = isinstance(error, UpstreamTimeout)
        return CreateUncertain(message, status=error.status, candidates=candidates or (), timed_out=timed_out)

    def _exports_started_since(self, since: datetime) -> tuple[str, ...] | None:
        """Ids of SEARCH_EXPORT operations created after ``since``, newest first; None if unreadable."""
        try:
            response = self._request(
                "GET", "/operations/v1", params={"type": "SEARCH_EXPORT", "limit": 20}, raw=True, attempts=1
            )
            page = self._model_from(OperationPage, response)
        except FullstoryError:
            return None
        return tuple(op.id for op in page.operations if op.created_at is not None and op.created_at >= since)

    def get_operation(self, operation_id: str) -> Operation:
        return self._get_model(Operation, f"/operations/v1/{_path_id(operation_id)}")

    def get_search_export_results(self, search_export_id: str) -> ExportDownload:
        return self._get_model(ExportDownload, f"/search/v1/exports/{_path_id(search_export_id)}/results")

    def open_export_file(self, location: str) -> ExportFile:
        """Start streaming the gzip file at a results ``location`` (signed URL; the caller closes it).

        No Authorization header goes to the storage host (nor to where it redirects): the URL carries
        its own signature. Not retried here; a refused link (``DownloadLinkExpired``) means "get a
        fresh one".
        """
        try:
            response = self._http.request(
                "GET",
                location,
                headers=self._download_headers,
                timeout=urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout),
                retries=_DOWNLOAD_RETRIES,
                preload_content=False,
                decode_content=False,  # the gzip bytes as stored
            )
        except HTTPError as exc:
            cause = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
            source = where(location)
            if _is_timeout(cause):
                raise UpstreamTimeout(f"the export download from {source} did not start in time") from None
            raise UpstreamError(f"the export download from {source} failed: {connection_cause(cause)}") from None
        if response.status != 200:
            error = error_for_download(response)
            release(response)
            raise error
        return ExportFile(response)

    # --- sessions -------------------------------------------------------------------------

    def list_sessions(self, *, uid: str | None = None, email: str | None = None, limit: int = 20) -> SessionList:
        """Up to ``limit`` sessions, newest first, following ``pagination_token`` as Fullstory's SDK does."""
        params: dict[str, Any] = {}
        if uid:
            params["uid"] = uid
        if email:
            params["email"] = email
        sessions: list[Session] = []
        token: str | None = None
        for _ in range(max(1, limit)):  # every page but the last adds at least one session
            query = {"limit": limit - len(sessions), **params, "pagination_token": token}
            page = self._get_model(SessionList, "/sessions/v2", params=query)
            sessions.extend(page.sessions)
            token = page.pagination_token
            if len(sessions) >= limit or not token or not page.sessions:
                break
        return SessionList(sessions=sessions[:limit], pagination_token=None)

    def generate_summary(
        self, session_id: str, configuration: SummaryConfiguration, *, base_profile: str | None = None
    ) -> SessionSummary:
        """ "Generate Summary With Overrides": ``POST /v2/sessions/{id}/summary`` with the whole configuration.

        ``session_id`` is ``deviceId:sessionId``. Without ``base_profile`` nothing saved is referenced;
        with it, Fullstory merges ``configuration`` onto that existing profile (non-array fields
        replace, arrays add). Summaries are slow and metered (Activations): the read may take all the
        time left, and one that may have run (a timeout, a reset, a 500) is not asked for again.
        """
        body: dict[str, Any] = {"config_profile": base_profile} if base_profile else {}
        body.update(configuration.body())
        data = self._request(
            "POST",
            f"/v2/sessions/{_path_id(session_id)}/summary",
            json_body=body,
            read_timeout=max(self.read_timeout, SUMMARY_READ_TIMEOUT_S),
            retry_timeouts=False,
        )
        return self._parse(SessionSummary, data)

    # --- transport ------------------------------------------------------------------------

    def _get_model(self, model: type[M], path: str, *, params: Mapping[str, Any] | None = None) -> M:
        return self._model_from(model, self._request("GET", path, params=params, raw=True))

    @staticmethod
    def _model_from(model: type[M], response: BaseHTTPResponse) -> M:
        _require_json(response)
        try:
            # The bytes go to pydantic as they are: parsed and validated in one pass, no dict between.
            return model.model_validate_json(response.data)
        except ValidationError as exc:
            if exc.errors(include_url=False)[0]["type"] == "json_invalid":
                raise MalformedResponse(
                    f"Fullstory answered {response.status} with a body that is not JSON", status=response.status
                ) from None
            raise MalformedResponse(
                f"Fullstory's answer did not have the documented shape ({exc.error_count()} problems)",
                status=response.status,
            ) from None

    @staticmethod
    def _parse(model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise MalformedResponse(
                f"Fullstory's answer did not have the documented shape ({exc.error_count()} problems)", status=200
            ) from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        read_timeout: float | None = None,
        retry_timeouts: bool = True,
        raw: bool = False,  # answer the Response itself; the caller reads its bytes
        attempts: int | None = None,  # at most this many tries instead of max_attempts
    ) -> Any:
        idempotent = method in _IDEMPOTENT
        url = self.base_url + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if query:
            url += "?" + urlencode(query, doseq=True)
        body = None if json_body is None else json.dumps(json_body, allow_nan=False).encode()
        headers = self._headers if body is None else self._json_headers
        max_attempts = min(attempts or self.max_attempts, self.max_attempts)
        attempt = 0
        while True:
            attempt += 1
            read_timeout = self._read_timeout_or_raise(read_timeout or self.read_timeout)
            try:
                # The whole body is read here (preload_content), which gives the connection back to
                # the pool. retries=False: urllib3 raises the error itself, and the loop below decides.
                response = self._http.request(
                    method,
                    url,
                    body=body,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=min(self.connect_timeout, read_timeout), read=read_timeout),
                    retries=False,
                    redirect=False,
                )
            except HTTPError as exc:
                sent = not _never_sent(exc)
                error, retryable = _transport_error(exc, read_timeout, sent, idempotent, retry_timeouts, self._where)
            else:
                if 200 <= response.status < 300:
                    return response if raw else self._json(response, empty_ok=method in ("DELETE", "HEAD"))
                error = self._error_for(response)
                sent = True
                retryable = response.status in _NOT_PROCESSED or (idempotent and response.status >= 500)
                # A 4xx is a refusal; a 3xx or 5xx says nothing about what happened to a POST.
                error.may_have_been_processed = not idempotent and not 400 <= response.status < 500
            if not idempotent and sent and isinstance(error, UpstreamError) and error.status == 0:
                error.may_have_been_processed = True  # timed out or lost after sending
            if not retryable or attempt >= max_attempts:
                raise error
            delay = self._retry_delay(error, attempt)
            if not self._has_time_for(delay):
                raise error
            self._sleep(delay)

    def _read_timeout_or_raise(self, read_timeout: float) -> float:
        if self.deadline is None:
            return read_timeout
        remaining = self.deadline - self._clock()
        if remaining < _MIN_REQUEST_BUDGET_S:
            raise UpstreamTimeout("no time left to ask Fullstory before the tool's deadline")
        return min(read_timeout, remaining)

    def _has_time_for(self, delay: float) -> bool:
        if self.deadline is None:
            return True
        return self._clock() + delay + _MIN_REQUEST_BUDGET_S <= self.deadline

    def _retry_delay(self, error: FullstoryError, attempt: int) -> float:
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(float(error.retry_after), _MAX_RETRY_AFTER_S)
        # Full jitter keeps many Lambdas from retrying in lock-step.
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret

    @staticmethod
    def _json(response: BaseHTTPResponse, *, empty_ok: bool = False) -> Any:
        if empty_ok and (response.status == 204 or not response.data.strip()):
            return {}
        _require_json(response)
        try:
            return json.loads(response.data)
        except ValueError:  # not JSON, or not UTF-8
            raise MalformedResponse(
                f"Fullstory answered {response.status} with a body that is not JSON", status=response.status
            ) from None

    @staticmethod
    def _error_for(response: BaseHTTPResponse) -> FullstoryError:
        status = response.status
        if 300 <= status < 400:
            # Not followed: the API never redirects, and a redirect (a proxy's login page, a wrong
            # base URL) must not take the API key elsewhere.
            return MalformedResponse(
                f"Fullstory answered HTTP {status} (a redirect) instead of JSON; redirects are not followed, so "
                "check the Fullstory API base URL and any proxy in between",
                status=status,
            )
        message, code = "", None
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
        if isinstance(body, dict):
            raw_message = body.get("message")
            message = raw_message[:300] if isinstance(raw_message, str) else ""
            raw_code = body.get("code")
            code = str(raw_code) if raw_code is not None else None
        message = message or response.reason or f"HTTP {status}"
        if status == 400:
            return BadRequest(message, status=status, code=code)
        if status == 401:
            return Unauthorized(message, status=status, code=code)
        if status == 403:
            return Forbidden(message, status=status, code=code)
        if status == 404:
            return NotFound(message, status=status, code=code)
        if status == 429:
            return RateLimited(message, retry_after=_retry_after(response), status=status, code=code)
        if status >= 500:
            return UpstreamError(message, status=status, code=code)
        return FullstoryError(message, status=status, code=code)


def _require_json(response: BaseHTTPResponse) -> None:
    """A 2xx that is not JSON (empty, an HTML page from a proxy or a login wall) is no answer."""
    if not response.data or not response.data.strip():
        raise MalformedResponse(
            f"Fullstory answered {response.status} with an empty body instead of JSON", status=response.status
        )
    media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media_type in ("text/html", "application/xhtml+xml") or response.data.lstrip()[:1] == b"<":
        raise MalformedResponse(
            f"Fullstory answered {response.status} with an HTML page instead of JSON (a proxy or sign-in page?)",
            status=response.status,
        )


def _retry_after(response: BaseHTTPResponse) -> int | None:
    raw = response.headers.get("Retry-After", "").strip()
    return int(raw) if raw.isdigit() else None
