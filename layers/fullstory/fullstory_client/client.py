"""The Fullstory REST client: one pooled session, timeouts, bounded retries, typed errors.

It knows nothing of Opal or AWS. Retries cover 429 and 5xx, honour ``Retry-After`` and never
sleep past the caller's deadline (a Lambda's remaining time), so a slow Fullstory turns into a
clear error instead of a killed function.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter

from .download import ExportFile, error_for_download
from .errors import (
    BadRequest,
    Forbidden,
    FullstoryError,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
)
from .hosts import resolve_base_url
from .models import (
    ExportDownload,
    ExportFormat,
    ExportScope,
    ExportType,
    LlmConfig,
    Operation,
    Segment,
    SegmentPage,
    SessionList,
    SessionSummary,
    SummaryProfile,
    SummaryProfilePage,
    TimeRange,
)

M = TypeVar("M", bound=BaseModel)

# A request that Fullstory rejected at the door (429) or whose gateway failed (502-504) was not
# processed, so even a POST may be sent again; a 500 on a POST might have created something.
_RETRY_ANY_METHOD = frozenset({429, 502, 503, 504})
_MIN_REQUEST_BUDGET_S = 0.5  # no point starting a request with less time than this left
_MAX_RETRY_AFTER_S = 30.0
SUMMARY_READ_TIMEOUT_S = 60.0  # LLM-backed; the caller's deadline is the real bound


def _environment_configures_requests() -> bool:
    """Whether proxy, CA bundle or netrc settings exist that ``requests`` would read from the environment.

    Without any (as in Lambda), the session stops looking: with ``trust_env`` on, requests scans
    the whole environment (proxies) and the file system (netrc) again on every call.
    """
    if any(name.lower().endswith("_proxy") for name in os.environ):
        return True
    if any(os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC")):
        return True
    return any(os.path.exists(os.path.expanduser(f"~/{name}")) for name in (".netrc", "_netrc"))


def _path_id(value: str) -> str:
    # Session ids carry ':' (sent as %3A) and old segment ids carry '@' and ':'.
    return quote(value, safe="")


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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = resolve_base_url(api_key, base_url)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.deadline: float | None = None  # on ``clock``'s scale; None = no deadline
        self._sleep = sleep
        self._clock = clock
        self._session = requests.Session()
        self._session.trust_env = _environment_configures_requests()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update(
            {
                "Authorization": f"Basic {api_key}",
                "Accept": "application/json",
                "User-Agent": "fullstory-opal-tools/1.0",
                "integration-source": "fullstory-opal-tools",
            }
        )

    def set_time_budget(self, seconds: float | None) -> None:
        """Bound every following call (retries and sleeps included) to ``seconds`` from now."""
        self.deadline = None if seconds is None else self._clock() + seconds

    def close(self) -> None:
        self._session.close()

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
        """Start an export (Admin key); returns the operation id to poll."""
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
        data = self._request("POST", "/segments/v1/exports", json_body=body)
        operation_id = data.get("operationId") if isinstance(data, dict) else None
        if not isinstance(operation_id, str) or not operation_id:
            raise MalformedResponse("Fullstory's export answer had no operationId", status=200)
        return operation_id

    def get_operation(self, operation_id: str) -> Operation:
        return self._get_model(Operation, f"/operations/v1/{_path_id(operation_id)}")

    def get_search_export_results(self, search_export_id: str) -> ExportDownload:
        return self._get_model(ExportDownload, f"/search/v1/exports/{_path_id(search_export_id)}/results")

    def open_export_file(self, location: str) -> ExportFile:
        """Start streaming the gzip file at a results ``location`` (signed URL; the caller closes it).

        No Authorization header goes to the storage host: the URL carries its own signature. Not
        retried here; a refused link (``DownloadLinkExpired``) means "get a fresh one".
        """
        try:
            response = self._session.get(
                location,
                stream=True,
                headers={"Authorization": None, "Accept": "*/*", "integration-source": None},
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except requests.Timeout:
            raise UpstreamTimeout("the export download did not start in time") from None
        except requests.RequestException:
            raise UpstreamError("the connection for the export download failed") from None
        if response.status_code != 200:
            error = error_for_download(response)
            response.close()
            raise error
        return ExportFile(response)

    # --- sessions -------------------------------------------------------------------------

    def list_sessions(self, *, uid: str | None = None, email: str | None = None, limit: int = 20) -> SessionList:
        params: dict[str, Any] = {"limit": limit}
        if uid:
            params["uid"] = uid
        if email:
            params["email"] = email
        return self._get_model(SessionList, "/sessions/v2", params=params)

    def generate_summary(self, session_id: str, *, profile_id: str) -> SessionSummary:
        """``session_id`` is ``deviceId:sessionId``; the profile holds prompts and temperature.

        Summaries are slow and metered (Activations): the read may take all the time left, and a
        summary that timed out is not asked for again.
        """
        data = self._request(
            "GET",
            f"/v2/sessions/{_path_id(session_id)}/summary",
            params={"config_profile": profile_id},
            read_timeout=max(self.read_timeout, SUMMARY_READ_TIMEOUT_S),
            retry_timeouts=False,
        )
        return self._parse(SessionSummary, data)

    # --- summary ("visit") profiles -------------------------------------------------------

    def create_summary_profile(
        self, *, name: str, llm: LlmConfig, configuration: Mapping[str, Any] | None = None
    ) -> SummaryProfile:
        body: dict[str, Any] = {"name": name, "llm": llm.model_dump(exclude_none=True)}
        body.update(configuration or {})
        data = self._request("POST", "/v2/visit_profile", json_body=body)
        return self._parse(SummaryProfile, data)

    def list_summary_profiles(self, *, limit: int = 100, pagination_token: str | None = None) -> SummaryProfilePage:
        params: dict[str, Any] = {"limit": limit}
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self._get_model(SummaryProfilePage, "/v2/visit_profile", params=params)

    def get_summary_profile(self, profile_id: str) -> SummaryProfile:
        return self._get_model(SummaryProfile, f"/v2/visit_profile/{_path_id(profile_id)}")

    def delete_summary_profile(self, profile_id: str) -> None:
        self._request("DELETE", f"/v2/visit_profile/{_path_id(profile_id)}")

    # --- transport ------------------------------------------------------------------------

    def _get_model(self, model: type[M], path: str, *, params: Mapping[str, Any] | None = None) -> M:
        response: requests.Response = self._request("GET", path, params=params, raw=True)
        if response.status_code == 204 or not response.content:
            return self._parse(model, {})
        try:
            # The bytes go to pydantic as they are: parsed and validated in one pass, no dict between.
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            if exc.errors(include_url=False)[0]["type"] == "json_invalid":
                raise MalformedResponse(
                    f"Fullstory answered {response.status_code} with a body that is not JSON",
                    status=response.status_code,
                ) from None
            raise MalformedResponse(
                f"Fullstory's answer did not have the documented shape ({exc.error_count()} problems)", status=200
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
    ) -> Any:
        idempotent = method in ("GET", "HEAD", "DELETE")
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            read_timeout = self._read_timeout_or_raise(read_timeout or self.read_timeout)
            try:
                response = self._session.request(
                    method, url, params=params, json=json_body, timeout=(self.connect_timeout, read_timeout)
                )
            except requests.ConnectTimeout:
                error: FullstoryError = UpstreamTimeout("Fullstory could not be reached in time")
                retryable = True  # nothing was sent
            except requests.Timeout:
                error = UpstreamTimeout(f"Fullstory did not answer within {read_timeout:.0f} s")
                retryable = idempotent and retry_timeouts
            except requests.ConnectionError:
                error = UpstreamError("the connection to Fullstory failed")
                retryable = idempotent
            else:
                if response.status_code < 400:
                    return response if raw else self._json(response)
                error = self._error_for(response)
                retryable = response.status_code in _RETRY_ANY_METHOD or (idempotent and response.status_code >= 500)
                if retryable:
                    response.close()
            if not retryable or attempt >= self.max_attempts:
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
    def _json(response: requests.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise MalformedResponse(
                f"Fullstory answered {response.status_code} with a body that is not JSON", status=response.status_code
            ) from None

    @staticmethod
    def _error_for(response: requests.Response) -> FullstoryError:
        status = response.status_code
        message, code = "", None
        try:
            body = response.json()
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


def _retry_after(response: requests.Response) -> int | None:
    raw = response.headers.get("Retry-After", "").strip()
    return int(raw) if raw.isdigit() else None
