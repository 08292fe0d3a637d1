"""The Parameters and Secrets Lambda Extension in template.yaml: its layer per region, its settings.

Which functions carry it is derived from what they read (test_template_permissions.py).
"""

from __future__ import annotations

import re

from platform_kit import secrets
from tests.contract.test_template import RAW

MAPPING = RAW["Mappings"]["ParametersSecretsExtension"]
GLOBAL_ENV = RAW["Globals"]["Function"]["Environment"]["Variables"]
# AWS publishes the layer from one account per region, named -Arm64 for Graviton functions.
LAYER_ARN = re.compile(
    r"^arn:aws:lambda:(?P<region>[a-z]{2}-[a-z]+-\d):\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$"
)


def test_every_region_names_the_arm64_layer_published_in_that_region() -> None:
    assert RAW["Globals"]["Function"]["Architectures"] == ["arm64"]
    assert len(MAPPING) >= 20  # the regions AWS lists arm64 layers for
    for region, row in MAPPING.items():
        assert set(row) == {"arm64"}, region
        match = LAYER_ARN.match(row["arm64"])
        assert match is not None and match["region"] == region, row


def test_one_layer_version_account_per_region() -> None:
    accounts = [row["arm64"].split(":")[4] for row in MAPPING.values()]
    assert len(set(accounts)) == len(accounts)


def test_the_cache_ttl_is_a_parameter_in_the_extensions_range() -> None:
    parameter = RAW["Parameters"]["SecretsCacheTtlSeconds"]
    assert (parameter["Type"], parameter["Default"], parameter["MinValue"], parameter["MaxValue"]) == (
        "Number",
        300,
        0,
        300,
    )
    assert GLOBAL_ENV["SECRETS_MANAGER_TTL"] == {"Ref": "SecretsCacheTtlSeconds"}


def test_the_extension_gives_up_on_secrets_manager_before_we_give_up_on_it() -> None:
    assert 0 < int(GLOBAL_ENV["SECRETS_MANAGER_TIMEOUT_MILLIS"]) < secrets.TIMEOUT_S * 1000
