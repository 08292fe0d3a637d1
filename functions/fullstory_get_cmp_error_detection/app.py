"""fullstory_get_cmp_error_detection: visible errors and consent-banner problems, one finding each."""

from __future__ import annotations

from typing import Any

from catalog.ai import CMP_ERROR_DETECTION, SessionParams
from catalog.summary_tools import summarize_as
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler


def detect(params: SessionParams, client: FullstoryClient) -> dict[str, Any]:
    found = summarize_as("cmp-error-detection", client, params.sessionId)
    findings = found.get("findings")
    findings = findings if isinstance(findings, list) else []
    return {
        "sessionId": params.sessionId,
        "findingCount": len(findings),
        "findings": findings,
        "consentBannerProblem": bool(found.get("consent_banner_problem")),
        "consentStatus": found.get("consent_status"),
        "summary": found.get("summary"),
    }


lambda_handler = tool_handler(CMP_ERROR_DETECTION, detect)
