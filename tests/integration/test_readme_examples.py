"""Every local curl example in the README, run as written against `make run`'s server.

Each command is read as a shell would read it (tests/readme_examples.py), with ``$TOKEN`` the server's bearer
token, port 3000 the server's port and a loopback callback URL in the body this test's receiver (the README
asks for "a small receiver of your own"). Its answer must have the status and the shape the README writes
under it (``# → <status> <shape>``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tests.readme_examples import ANY, Example, examples, mismatches

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLES = examples(README.read_text(encoding="utf-8"))
TOKEN = "readme-example-token"
LOOPBACK_URL = re.compile(r"http://(?:127\.0\.0\.1|localhost):\d+")


class Receiver:
    """The README's "small receiver of your own": answers 200 to any POST."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def local(simulator: FullstorySimulator) -> Iterator[tuple[LocalToolServer, Receiver]]:
    receiver = Receiver()
    try:
        with LocalToolServer(simulator=simulator, bearer_token=TOKEN) as server:
            yield server, receiver
    finally:
        receiver.close()


def _send(example: Example, server: LocalToolServer, receiver: Receiver) -> requests.Response:
    headers = {name: value.replace("$TOKEN", TOKEN) for name, value in example.headers.items()}
    body = example.body
    if body is not None:
        body = LOOPBACK_URL.sub(receiver.base_url, body.replace("$TOKEN", TOKEN))
    return requests.request(
        example.method, server.base_url + example.path, headers=headers, data=body, timeout=60, allow_redirects=False
    )


def test_the_readme_has_local_examples_and_documents_each_answer() -> None:
    paths = {example.path for example in EXAMPLES}
    assert "/discovery" in paths and "/tools/fullstory_list_segments" in paths
    assert len(EXAMPLES) >= 5
    undocumented = [str(example) for example in EXAMPLES if example.status is None or example.shape is ANY]
    assert not undocumented, f"write '# → <status> <shape>' under: {undocumented}"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_example_answers_as_the_readme_says(example: Example, local: tuple[LocalToolServer, Receiver]) -> None:
    server, receiver = local
    response = _send(example, server, receiver)
    assert 200 <= response.status_code < 300, (str(example), response.status_code, response.text[:500])
    assert response.status_code == example.status, (str(example), response.text[:500])
    problems = mismatches(example.shape, json.loads(response.content))
    assert not problems, (str(example), problems)
