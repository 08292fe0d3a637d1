"""The SDK's session-id forms through a summary tool: what reaches Fullstory is deviceId%3AsessionId."""

from __future__ import annotations

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool

pytestmark = pytest.mark.usefixtures("aws")


def test_the_sdks_link_forms_reach_fullstory_as_the_pair(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[11]
    device, sid = session.device_id, session.session_id
    forms = (
        f"https://app.fullstory.com/ui/org/session/5423563266297856:{device}!{sid}",  # the SDK's own example's shape
        f"https://app.eu1.fullstory.com/ui/o-1ABC-eu1/session/{device}:{sid}",
        f"https://app.fullstory.com/ui/org/session/({device}!{sid}(",
    )
    for form in forms:
        status, answer = call_tool("fullstory_get_session_quick_summary", {"sessionId": form})
        assert status == 200 and answer["sessionId"] == session.id, (form, answer)
        _, path = simulator.requests[-1]
        assert path.startswith(f"/v2/sessions/{device}%3A{sid}/"), path


@pytest.mark.parametrize("bad", ["https://app.fullstory.com/ui/org/session/5423563266297856:", "..:..", "(1!2"])
def test_garbage_is_still_a_400_naming_session_id(bad: str, simulator: FullstorySimulator) -> None:
    before = len(simulator.requests)
    status, problem = call_tool("fullstory_get_session_quick_summary", {"sessionId": bad})
    assert status == 400 and problem["errors"][0]["parameter"] == "sessionId"
    assert "deviceId:sessionId" in problem["errors"][0]["problem"]
    assert len(simulator.requests) == before
