"""The upstreams every measurement talks to, each in its own process on 127.0.0.1.

``python -m bench.services sim`` runs the Fullstory simulator, ``python -m bench.services moto``
a moto server (Secrets Manager, for the peers' boto3), ``python -m bench.services extension`` the
Parameters and Secrets Lambda Extension's interface (local/secrets_extension.py, moto in its own
process behind it) that our functions read their secrets from, as in Lambda. Each prints one
JSON line (where it listens, plus facts the measurements need) and serves until its stdin closes,
so it never outlives ``bench.run``; a line ``reset`` on the extension's stdin empties its cache
(a cold start's extension has read nothing yet).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SESSION_TOKEN = "bench"  # the functions' AWS_SESSION_TOKEN: the extension answers only it
SIM_API_KEY = "bench-fullstory-key"
BEARER = "bench-bearer-token-0123456789abcdef"
API_KEY_SECRET = "bench/fullstory-api-key"
TOKEN_SECRET = "bench/opal-bearer-token"
START_TIMEOUT_S = 60.0


def _serve_simulator() -> dict[str, Any]:
    from local.fullstory_sim import FullstorySimulator

    sim = FullstorySimulator(api_key=SIM_API_KEY, port=0).start()
    by_uid: dict[str, int] = {}
    for session in sim.data.sessions:
        by_uid[session.uid] = by_uid.get(session.uid, 0) + 1
    uid = max(sorted(by_uid), key=lambda u: by_uid[u])  # the user with the most sessions
    session = next(s for s in reversed(sim.data.sessions) if s.uid == uid)
    return {"base_url": sim.base_url, "uid": uid, "uid_sessions": by_uid[uid], "session_id": session.id}


def _serve_moto() -> dict[str, Any]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return {"endpoint": f"http://{host}:{port}"}


def _serve_extension() -> dict[str, Any]:
    from moto import mock_aws

    from local.secrets_extension import SecretsExtension

    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    mock_aws().start()  # for this process's life
    _put_secrets(None)
    extension = SecretsExtension(SESSION_TOKEN).start()
    _EXTENSIONS.append(extension)
    return {"port": extension.port}


_EXTENSIONS: list[Any] = []


def main(argv: list[str]) -> int:
    kind = argv[0] if argv else ""
    serve = {"sim": _serve_simulator, "moto": _serve_moto, "extension": _serve_extension}.get(kind)
    if serve is None:
        print("usage: python -m bench.services sim|moto|extension", file=sys.stderr)
        return 2
    print(json.dumps(serve()), flush=True)
    for line in sys.stdin:  # until the parent closes our stdin (or dies)
        if line.strip() == "reset":
            for extension in _EXTENSIONS:
                extension.reset()
            print("ok", flush=True)
    return 0


@dataclass
class Services:
    """The running upstreams and the environment a Lambda-like child needs to reach them."""

    sim_url: str
    moto_endpoint: str
    extension_port: int
    uid: str
    uid_sessions: int
    session_id: str
    extension: subprocess.Popen[str] | None = field(default=None, repr=False)

    def reset_secrets_cache(self) -> None:
        """Empty the extension's cache, as a new execution environment's extension starts."""
        if self.extension is None or self.extension.stdin is None or self.extension.stdout is None:
            return
        self.extension.stdin.write("reset\n")
        self.extension.stdin.flush()
        self.extension.stdout.readline()

    def lambda_env(self, function_name: str = "bench") -> dict[str, str]:
        """What Lambda (and our template) would set, pointed at the loopback upstreams."""
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_SESSION_TOKEN": SESSION_TOKEN,
                # The peers' boto3 reads Secrets Manager here (botocore derives the name from the
                # service id "Secrets Manager"); ours asks the extension, as in Lambda.
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.moto_endpoint,
                "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.extension_port),
                "POWERTOOLS_SERVICE_NAME": "fullstory-opal-tools",
                "POWERTOOLS_METRICS_NAMESPACE": "FullstoryOpalTools",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "LOG_LEVEL": "INFO",
                "FULLSTORY_API_BASE_URL": self.sim_url,
                "FULLSTORY_AI_ANALYSIS_ENABLED": "true",
                "FULLSTORY_API_KEY_SECRET_ID": API_KEY_SECRET,
                "OPAL_BEARER_TOKEN_SECRET_ID": TOKEN_SECRET,
            }
        )
        return env


def _start(kind: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.services", kind],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # bounded: the child prints at once or dies
    if not line:
        process.kill()
        raise RuntimeError(f"bench.services {kind} did not start (exit {process.wait(START_TIMEOUT_S)})")
    return process, json.loads(line)


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        if process.stdin is not None:
            process.stdin.close()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _put_secrets(endpoint: str | None) -> None:
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - moto accepts any
    )
    client.create_secret(Name=API_KEY_SECRET, SecretString=SIM_API_KEY)
    client.create_secret(Name=TOKEN_SECRET, SecretString=BEARER)


@contextlib.contextmanager
def running(with_peers: bool = True) -> Iterator[Services]:
    """Start the simulator, the secrets extension and, for the peers' boto3, moto (each in its own
    process), with our two secrets stored in every secret store started."""
    with contextlib.ExitStack() as started:
        sim_process, sim = _start("sim")
        started.callback(_stop, sim_process)
        moto_endpoint = ""
        if with_peers:
            moto_process, moto = _start("moto")
            started.callback(_stop, moto_process)
            moto_endpoint = moto["endpoint"]
        extension_process, extension = _start("extension")
        started.callback(_stop, extension_process)
        if moto_endpoint:
            _put_secrets(moto_endpoint)
        yield Services(
            sim_url=sim["base_url"],
            moto_endpoint=moto_endpoint,
            extension_port=int(extension["port"]),
            uid=sim["uid"],
            uid_sessions=sim["uid_sessions"],
            session_id=sim["session_id"],
            extension=extension_process,
        )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
