"""What DeliverFile downloads and stores: only Fullstory's gzip file in the requested format, and
only from a public https address. A rewritten upstream answer (the proxy changes the results'
``location``) can neither make the workflow fetch an internal service nor publish what it serves."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator

from .harness import Workflow, export_request
from .upstream import Answer, FileHost, ForwardingProxy

RESULTS = r"^/search/v1/exports/[^/]+/results$"
GZIP = {"Content-Type": "application/gzip"}


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch, workflow: Workflow, sim: FullstorySimulator) -> Iterator[ForwardingProxy]:
    server = ForwardingProxy(sim.base_url).start()
    monkeypatch.setenv("FULLSTORY_API_BASE_URL", server.url())
    yield server
    server.stop()


@pytest.fixture
def files() -> Iterator[FileHost]:
    host = FileHost().start()
    yield host
    host.stop()


def _link_to(location: str) -> Any:
    def rewrite(answer: Answer) -> Answer:
        body = json.loads(answer.body)
        body["location"] = location
        return Answer(answer.status, answer.headers, json.dumps(body).encode())

    return rewrite


def _stored(workflow: Workflow) -> list[str]:
    import boto3

    bucket = workflow.deployed.buckets["ExportBucket"]
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="exports/").get("Contents", [])]


def _run_with_file(
    workflow: Workflow, proxy: ForwardingProxy, files: FileHost, body: bytes, export_format: str
) -> dict[str, Any]:
    files.files["/export.gz"] = (200, GZIP, body)
    proxy.after("GET", RESULTS, _link_to(files.url("/export.gz")), times=50)
    return workflow.run({"request": export_request(format=export_format)})


NOT_THE_EXPORT = {
    "an HTML error page": (b"<html><body>Service Unavailable</body></html>", "FORMAT_NDJSON"),
    "JSON that is no gzip": (b'{"error": "internal"}', "FORMAT_JSON"),
    "an empty body": (b"", "FORMAT_CSV"),
    "gzip cut off": (gzip.compress(b'{"a": 1}\n' * 5000)[:-40], "FORMAT_NDJSON"),
    "gzip with trailing junk": (gzip.compress(b'{"a": 1}\n') + b"junk", "FORMAT_NDJSON"),
    "gzip of HTML, asked CSV": (gzip.compress(b"<!doctype html><title>login</title>"), "FORMAT_CSV"),
    "gzip of plain text, asked CSV": (gzip.compress(b"Internal error, try again\n"), "FORMAT_CSV"),
    "gzip of CSV, asked JSON": (gzip.compress(b"EventStart,EventType\n2024-01-01,click\n"), "FORMAT_JSON"),
    "gzip of NDJSON, asked JSON": (gzip.compress(b'{"a": 1}\n{"a": 2}\n'), "FORMAT_JSON"),
    "gzip of JSON, asked NDJSON": (gzip.compress(b'[{"a": 1}, {"a": 2}]'), "FORMAT_NDJSON"),
    "gzip of an unclosed JSON array": (gzip.compress(b'[{"a": 1}, {"a": 2}'), "FORMAT_JSON"),
    "gzip of a JSON array of numbers": (gzip.compress(b"[1, 2, 3]"), "FORMAT_JSON"),
    "gzip of binary": (gzip.compress(bytes(range(256)) * 10), "FORMAT_NDJSON"),
    "gzip of Latin-1 text, asked CSV": (gzip.compress("Name,Stadt\nJosé,Köln\n".encode("latin-1")), "FORMAT_CSV"),
}


@pytest.mark.parametrize("case", sorted(NOT_THE_EXPORT))
def test_a_download_that_is_not_the_export_fails_the_run_and_stores_nothing(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, files: FileHost, case: str
) -> None:
    body, export_format = NOT_THE_EXPORT[case]
    described = _run_with_file(workflow, proxy, files, body, export_format)
    assert described["status"] == "FAILED", described
    assert described["error"] == "ExportFileInvalid"
    assert "nothing was stored" in json.loads(described["cause"])["errorMessage"]
    assert files.seen == ["/export.gz"]  # not retried: the same link gives the same bytes
    assert _stored(workflow) == []


def _multi_member(*parts: bytes) -> bytes:
    return b"".join(gzip.compress(part) for part in parts)


REAL_SHAPES = {
    "CSV": (gzip.compress(b"IndvId,UserId,PageUrl\n1,2,https://x\n"), "FORMAT_CSV"),
    "CSV with CRLF and BOM": (gzip.compress("\ufeffIndvId,user_plan_str\r\n1,gold\r\n".encode()), "FORMAT_CSV"),
    "CSV header only": (gzip.compress(b"IndvId,UserId\n"), "FORMAT_CSV"),
    "JSON": (gzip.compress(b'[{"IndvId": 1}, {"IndvId": 2}]\n'), "FORMAT_JSON"),
    "JSON empty": (gzip.compress(b"[]"), "FORMAT_JSON"),
    "NDJSON": (gzip.compress(b'{"IndvId": 1}\n{"IndvId": 2}\n'), "FORMAT_NDJSON"),
    "NDJSON empty": (gzip.compress(b""), "FORMAT_NDJSON"),
    "NDJSON in two gzip members": (_multi_member(b'{"IndvId": 1}\n', b'{"IndvId": 2}\n'), "FORMAT_NDJSON"),
    "NDJSON larger than the checked head": (
        gzip.compress(b'{"IndvId": 1, "x": "' + b"y" * 200_000 + b'"}\n'),
        "FORMAT_NDJSON",
    ),
}


@pytest.mark.parametrize("case", sorted(REAL_SHAPES))
def test_files_of_the_requested_format_are_stored_byte_for_byte(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, files: FileHost, case: str
) -> None:
    import boto3

    body, export_format = REAL_SHAPES[case]
    described = _run_with_file(workflow, proxy, files, body, export_format)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert boto3.client("s3").get_object(Bucket=output["bucket"], Key=output["key"])["Body"].read() == body


def test_every_simulator_format_passes_the_check(workflow: Workflow, sim: FullstorySimulator) -> None:
    for export_format in ("FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"):
        for kind in ("TYPE_EVENT", "TYPE_INDIVIDUAL"):
            described = workflow.run({"request": export_request(format=export_format, type=kind)})
            assert described["status"] == "SUCCEEDED", (export_format, kind, described)


# --- where the link may point ------------------------------------------------------------

OUTSIDE = [
    "https://169.254.169.254/latest/meta-data/iam/security-credentials/",  # instance metadata
    "http://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/latest/meta-data/",  # IMDS over IPv6 (ULA)
    "https://10.0.0.12/internal/report.csv",
    "https://172.16.5.4/x",
    "https://192.168.1.1/admin",
    "https://100.64.1.1/x",  # CGNAT
    "https://[fe80::1]/x",
    "https://[::ffff:10.0.0.1]/x",  # IPv4-mapped private
    "https://0.0.0.0/x",
    "https://224.0.0.1/x",
    "http://93.184.216.34/public-address-but-http",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "https://user:pass@storage.googleapis.com/x",
]


@pytest.mark.parametrize("location", OUTSIDE)
def test_a_link_outside_the_public_internet_is_never_fetched(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, location: str
) -> None:
    proxy.after("GET", RESULTS, _link_to(location), times=50)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "ExportLinkRefused"
    assert "was not followed" in json.loads(described["cause"])["errorMessage"]
    assert _stored(workflow) == []


def test_a_name_that_resolves_to_an_internal_address_is_refused(
    workflow: Workflow,
    sim: FullstorySimulator,
    proxy: ForwardingProxy,
    files: FileHost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fullstory_client import outbound

    looked_up: list[str] = []

    def dns(host: str, port: int, **_: Any) -> list[Any]:
        looked_up.append(host)
        return [(2, 1, 6, "", ("10.20.30.40", port))]

    monkeypatch.setattr(outbound, "getaddrinfo", dns)
    proxy.after("GET", RESULTS, _link_to("https://reports.internal.example/x.gz"), times=50)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "ExportLinkRefused"
    assert "10.20.30.40 is private" in json.loads(described["cause"])["errorMessage"]
    assert looked_up == ["reports.internal.example"]


@pytest.mark.parametrize(
    "target", ["https://169.254.169.254/latest/meta-data/", "https://10.1.2.3/x", "http://93.184.216.34/x"]
)
def test_a_redirect_out_of_the_public_internet_is_not_followed(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, files: FileHost, target: str
) -> None:
    files.files["/hop"] = (302, {"Location": target}, b"")
    proxy.after("GET", RESULTS, _link_to(files.url("/hop")), times=50)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "ExportLinkRefused"
    assert files.seen == ["/hop"] and _stored(workflow) == []


def test_deployed_even_the_simulators_loopback_link_is_refused(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the local server's allowance (the template never sets it), http://127.0.0.1 is refused.
    from platform_kit.settings import ALLOW_LOOPBACK_ENV

    monkeypatch.delenv(ALLOW_LOOPBACK_ENV)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "ExportLinkRefused"
    assert "must use https" in json.loads(described["cause"])["errorMessage"]
    assert sim.requests.calls(r"^/__sim/downloads/") == 0


def test_a_large_file_cut_off_at_its_end_leaves_no_object_and_no_open_upload(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, files: FileHost
) -> None:
    # Larger than the multipart threshold, so parts are already in S3 when the end shows the file
    # is cut off: the upload is aborted, not completed.
    import base64
    import os

    import boto3

    noise = base64.b64encode(os.urandom(18 * 2**20))  # random text: gzip barely shrinks it
    rows = b"".join(b'{"v": "%s"}\n' % noise[i : i + 96] for i in range(0, len(noise), 96))
    body = gzip.compress(rows, compresslevel=1)
    assert len(body) > 17 * 2**20
    described = _run_with_file(workflow, proxy, files, body[:-1000], "FORMAT_NDJSON")
    assert described["status"] == "FAILED" and described["error"] == "ExportFileInvalid"
    bucket = workflow.deployed.buckets["ExportBucket"]
    assert _stored(workflow) == []
    assert boto3.client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
