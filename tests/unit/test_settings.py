"""The one settings object (platform_kit/settings.py): defaults, parsed once, loud on bad values."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from platform_kit import settings as settings_module
from platform_kit.settings import Settings, SettingsError, parse, settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_when_nothing_is_set() -> None:
    parsed = parse({})
    assert parsed.service == "fullstory-opal-tools" and parsed.metrics_namespace == "FullstoryOpalTools"
    assert (parsed.api_key_secret_id, parsed.token_secret_id) == ("", "")
    assert parsed.fullstory_base_url is None and parsed.retry_base_delay_s == 0.5
    assert parsed.ai_analysis_enabled is True and parsed.enabled_tools == frozenset({"all"})
    assert (parsed.export_url_ttl_s, parsed.export_retention_days, parsed.export_max_wait_s) == (3600, None, 10800)
    assert parsed.callback_allowed_hosts == () and parsed.allow_loopback_urls is False
    assert parsed.ca_bundle is None and parsed.secrets_extension_port == 2773 and parsed.session_token is None
    assert (parsed.summary_table, parsed.summary_worker_function) == ("", "")
    assert (parsed.summary_cache_ttl_h, parsed.activation_budget, parsed.visit_profile_concurrency) == (168, 0, 10)


def test_values_are_parsed_into_their_types() -> None:
    parsed = parse(
        {
            "FULLSTORY_API_BASE_URL": "https://api.eu1.fullstory.com/",
            "FULLSTORY_RETRY_BASE_DELAY_S": "0.01",
            "FULLSTORY_AI_ANALYSIS_ENABLED": "False",
            "ENABLED_TOOLS": " Segments ,fullstory_list_sessions,",
            "EXPORT_URL_TTL_SECONDS": "600",
            "EXPORT_RETENTION_DAYS": "7",
            "EXPORT_MAX_WAIT_SECONDS": "60",
            "CALLBACK_ALLOWED_HOSTS": "opal.optimizely.com, *.Opal.Example",
            "LOCAL_ALLOW_LOOPBACK_URLS": "true",
            "SSL_CERT_FILE": "/etc/ssl/corp.pem",
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "2774",
            "SUMMARY_TABLE": "stack-SummaryTable-1",
            "SUMMARY_WORKER_FUNCTION": "stack-SummaryWorker-1",
            "FULLSTORY_SUMMARY_CACHE_TTL_HOURS": "0",
            "FULLSTORY_ACTIVATION_BUDGET": "1000",
            "FULLSTORY_VISIT_PROFILE_CONCURRENCY": "20",
        }
    )
    assert parsed.fullstory_base_url == "https://api.eu1.fullstory.com"
    assert parsed.retry_base_delay_s == 0.01 and parsed.ai_analysis_enabled is False
    assert parsed.enabled_tools == frozenset({"segments", "fullstory_list_sessions"})
    assert (parsed.export_url_ttl_s, parsed.export_retention_days, parsed.export_max_wait_s) == (600, 7, 60)
    assert parsed.callback_allowed_hosts == ("opal.optimizely.com", "*.opal.example")
    assert parsed.allow_loopback_urls is True and parsed.ca_bundle == "/etc/ssl/corp.pem"
    assert parsed.secrets_extension_port == 2774
    assert (parsed.summary_table, parsed.summary_worker_function) == ("stack-SummaryTable-1", "stack-SummaryWorker-1")
    assert (parsed.summary_cache_ttl_h, parsed.activation_budget, parsed.visit_profile_concurrency) == (0, 1000, 20)


BAD = {
    "FULLSTORY_API_BASE_URL": "api.fullstory.com",
    "FULLSTORY_RETRY_BASE_DELAY_S": "soon",
    "FULLSTORY_AI_ANALYSIS_ENABLED": "maybe",
    "EXPORT_URL_TTL_SECONDS": "30",
    "EXPORT_RETENTION_DAYS": "-1",
    "EXPORT_MAX_WAIT_SECONDS": "0",
    "CALLBACK_ALLOWED_HOSTS": "opal.example.com/callbacks",
    "LOCAL_ALLOW_LOOPBACK_URLS": "yes please",
    "LOCAL_EXPORT_WAIT_SCALE": "0",
    "LOCAL_S3_LINK_PREFIX": "http://links.example.com/__local/s3/",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "70000",
    "FULLSTORY_SUMMARY_CACHE_TTL_HOURS": "a week",
    "FULLSTORY_ACTIVATION_BUDGET": "-5",
    "FULLSTORY_VISIT_PROFILE_CONCURRENCY": "21",
}


@pytest.mark.parametrize("name, value", list(BAD.items()), ids=list(BAD))
def test_a_bad_value_is_an_error_naming_its_variable(name: str, value: str) -> None:
    # Before: each of these fell back to a default (or was taken as true) without a word.
    with pytest.raises(SettingsError) as raised:
        parse({name: value})
    assert raised.value.name == name
    assert str(raised.value).startswith(f"{name}={value!r} is not usable: ")


def test_a_base_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(SettingsError) as raised:
        parse({"FULLSTORY_API_BASE_URL": "https://user:hunter2@api.fullstory.com"})
    assert "hunter2" not in str(raised.value) and raised.value.name == "FULLSTORY_API_BASE_URL"
    with pytest.raises(SettingsError):
        parse({"FULLSTORY_API_BASE_URL": "https://api.fullstory.com:port"})


def test_parsed_once_per_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORT_BUCKET", "bucket-a")
    first = settings()
    assert settings() is first
    monkeypatch.setenv("EXPORT_BUCKET", "bucket-b")
    assert settings().export_bucket == "bucket-b"


def test_the_local_only_settings_default_to_what_aws_does() -> None:
    assert parse({}).export_wait_scale == 1.0 and parse({}).local_s3_link_prefix is None
    parsed = parse({"LOCAL_EXPORT_WAIT_SCALE": "0.05", "LOCAL_S3_LINK_PREFIX": "http://127.0.0.1:3000/__local/s3/"})
    assert parsed.export_wait_scale == 0.05 and parsed.local_s3_link_prefix == "http://127.0.0.1:3000/__local/s3/"


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "soon"])
def test_the_wait_scale_is_a_share_of_the_waits(value: str) -> None:
    with pytest.raises(SettingsError, match="LOCAL_EXPORT_WAIT_SCALE"):
        parse({"LOCAL_EXPORT_WAIT_SCALE": value})


@pytest.mark.parametrize(
    "value", ["https://127.0.0.1:3000/__local/s3/", "http://127.0.0.1.example.com/", "http://127.0.0.1:3000/x"]
)
def test_local_links_point_only_to_a_loopback_server(value: str) -> None:
    # No setting may send a caller's download link to another host.
    with pytest.raises(SettingsError, match="LOCAL_S3_LINK_PREFIX"):
        parse({"LOCAL_S3_LINK_PREFIX": value})


def test_the_session_token_is_never_printed() -> None:
    parsed = parse({"AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE"})
    assert parsed.session_token == "IQoJb3JpZ2luX2VjEXAMPLE"
    assert "IQoJb3JpZ2luX2VjEXAMPLE" not in repr(parsed)


def test_every_field_is_read_from_a_listed_variable() -> None:
    # A field added without its variable in the change key would never be re-read.
    assert len(settings_module._NAMES) == len(set(settings_module._NAMES))
    assert len(Settings.__dataclass_fields__) == len(settings_module._NAMES) - len(settings_module.CA_BUNDLE_ENV) + 1


def _environ_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv")
        and getattr(node.value, "id", "") == "os"
    ]


def test_product_code_reads_the_environment_only_here() -> None:
    product = [
        *ROOT.glob("layers/fullstory/**/*.py"),
        *ROOT.glob("functions/*/app.py"),
        *ROOT.glob("workflow/*/app.py"),
    ]
    readers = {
        str(path.relative_to(ROOT)): lines
        for path in product
        if (lines := _environ_reads(path)) and path != ROOT / "layers/fullstory/platform_kit/settings.py"
    }
    assert readers == {}


def test_a_function_with_a_bad_value_fails_at_init_naming_it(tmp_path: Path) -> None:
    # A fresh interpreter, as Lambda's init: the handler's import parses the settings and stops there.
    import subprocess
    import sys

    script = "import runpy; runpy.run_path('functions/fullstory_list_segments/app.py')"
    env = {"PATH": "", "PYTHONPATH": str(ROOT / "layers" / "fullstory"), "EXPORT_URL_TTL_SECONDS": "soon"}
    done = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert "SettingsError: EXPORT_URL_TTL_SECONDS='soon' is not usable: a whole number from 60 to 604800" in done.stderr
