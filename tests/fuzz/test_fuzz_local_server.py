"""`make run`'s server against hostile HTTP (issue 12.16): broken Content-Length headers, repeated
Authorization headers, and made-up links to delivered files. Each answer is a clear 4xx with the
CORS headers, and the server goes on serving."""

from __future__ import annotations

import math
import re
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tests.fuzz.test_fuzz_tools import DERANDOMIZE, FUZZ_TOTAL

CLASS_CASES = math.ceil(FUZZ_TOTAL * 0.01)
TOKEN = "fuzz-local-token"
FUZZ_SETTINGS = settings(
    max_examples=CLASS_CASES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)


@pytest.fixture(scope="module")
def server(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN) as running:
        yield running


def _send(server: LocalToolServer, request: bytes) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"connection: close" not in b"".join(chunks).lower():
                break
    return b"".join(chunks)


def _status(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert match, answer[:100]
    return int(match.group(1))


def _still_serving(server: LocalToolServer) -> None:
    assert _status(_send(server, b"GET /discovery HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200


def _not_a_length(value: str) -> bool:
    return not re.fullmatch(r"[0-9]{1,20}", value.strip())


bad_lengths = st.one_of(
    st.integers(max_value=-1).map(str),
    header_text.filter(_not_a_length),
    st.sampled_from(["+5", "5.0", "1e2", "0x10", "5,5", "٣", "５", "-0", "NaN", "Infinity", "9" * 21]),
).filter(_not_a_length)


@FUZZ_SETTINGS
@given(length=bad_lengths, path=st.sampled_from(["/discovery", "/tools/fullstory_list_segments", "/nope"]))
def test_a_broken_content_length_is_a_400(server: LocalToolServer, length: str, path: str) -> None:
    answer = _send(server, f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode())
    assert _status(answer) == 400
    assert b"access-control-allow-origin: *" in answer.lower()


@FUZZ_SETTINGS
@given(tokens=st.lists(st.sampled_from([TOKEN, "wrong", "", TOKEN + " "]), min_size=2, max_size=5))
def test_repeated_authorization_headers_are_a_401(server: LocalToolServer, tokens: list[str]) -> None:
    headers = "".join(f"Authorization: Bearer {token}\r\n" for token in tokens)
    body = '{"parameters":{"limit":1}}'
    request = (
        f"POST /tools/fullstory_list_segments HTTP/1.1\r\nHost: x\r\n{headers}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    )
    assert _status(_send(server, request.encode())) == 401


amz_names = st.sampled_from(
    [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        "x-id",
    ]
)
amz_values = st.one_of(
    header_text,
    st.sampled_from(
        ["AWS4-HMAC-SHA256", "host", "20261201T000000Z", "3600", "FOOBARKEY/20261201/us-east-1/s3/aws4_request"]
    ),
)


@FUZZ_SETTINGS
@given(
    host=st.sampled_from(["local-exportbucket.s3.amazonaws.com", "s3.amazonaws.com", "local-exportbucket", "x"]),
    key=st.lists(header_text, min_size=0, max_size=3),
    query=st.lists(st.tuples(amz_names, amz_values), max_size=8),
)
def test_no_file_is_served_for_a_made_up_link(
    server: LocalToolServer, host: str, key: list[str], query: list[tuple[str, str]]
) -> None:
    path = "/__local/s3/" + quote(host) + "/" + "/".join(quote(part, safe="") for part in key)
    query_text = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query)
    request = f"GET {path}?{query_text} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = _send(server, request.encode())
    assert _status(answer) == 403, answer[:200]
    assert b"access-control-allow-origin: *" in answer.lower()


def test_the_server_survived_the_fuzzing(server: LocalToolServer) -> None:
    _still_serving(server)
