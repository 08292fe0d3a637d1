"""docs/mcp.md says what the server does: its curl examples answer as shown against `make run`'s /mcp,
and its client configurations are well-formed."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import requests

from local.server import LocalToolServer
from tests.mcp.conftest import TOKEN

DOC = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"
DEPLOYED = "https://<api-id>.execute-api.<region>.amazonaws.com/mcp"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def _curls() -> list[list[str]]:
    commands = []
    for block in _blocks("sh"):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl "):
                commands.append(shlex.split(command))
    return commands


def test_the_curl_examples_answer_against_the_local_server(server: LocalToolServer) -> None:
    curls = _curls()
    assert len(curls) == 2
    answers = []
    for argv in curls:
        [url] = [arg for arg in argv if arg.startswith("https://")]
        assert url == DEPLOYED
        headers = dict(h.split(": ", 1) for h in (argv[i + 1] for i, a in enumerate(argv) if a == "-H"))
        headers = {k: v.replace("$TOKEN", TOKEN) for k, v in headers.items()}
        body = argv[argv.index("-d") + 1]
        response = requests.post(f"{server.base_url}/mcp", data=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        answers.append(response.json()["result"])
    assert answers[0]["protocolVersion"] == "2025-11-25"
    from tools.registry import TOOLS

    assert [tool["name"] for tool in answers[1]["tools"]] == [tool.name for tool in TOOLS]


def test_the_claude_desktop_configuration_is_json_naming_the_header() -> None:
    [config] = _blocks("json")
    server = json.loads(config)["mcpServers"]["fullstory"]
    assert server["args"][-2:] == ["--header", "Authorization:${FULLSTORY_MCP_AUTH}"]
    assert server["env"]["FULLSTORY_MCP_AUTH"].startswith("Bearer ")


def test_the_documented_revisions_are_the_servers() -> None:
    from mcp_server.protocol import HANDSHAKE_VERSIONS, MODERN_VERSIONS

    text = DOC.read_text(encoding="utf-8")
    assert "2025-03-26, 2025-06-18 and 2025-11-25" in text and ", ".join(HANDSHAKE_VERSIONS) == (
        "2025-03-26, 2025-06-18, 2025-11-25"
    )
    assert f"per-request revision {MODERN_VERSIONS[0]}" in text
