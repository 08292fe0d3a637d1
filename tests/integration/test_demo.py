"""`make demo` end to end: the conversation runs and the async export's callback arrives."""

from __future__ import annotations

import pytest

from local import demo
from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer


def test_demo_conversation_ends_with_the_export_callback(
    simulator: FullstorySimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "EXPORT_TIMEOUT_S", 120.0)
    with LocalToolServer(simulator=simulator, bearer_token="demo-token") as server:
        demo.run(server.base_url, server.bearer_token)
    out = capsys.readouterr().out
    for tool in (
        "fullstory_list_segments",
        "fullstory_list_sessions",
        "fullstory_get_session_support_summary",
        "fullstory_get_cmp_error_detection",
        "fullstory_export_segment",
    ):
        assert f"POST /tools/{tool}" in out
    assert "← 202" in out and "Opal ← callback" in out and "giving up" not in out
    assert "s3://" in out and "demo-token" not in out
