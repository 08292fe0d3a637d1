"""A redeploy never resets a secret: what would rewrite a secret's value, or replace the secret, stays
exactly as released.

The two values are not the template's. The customer puts the Fullstory key into its secret after the
first deploy, and Opal holds the token the stack generated. CloudFormation cannot compare
``SecretString`` or ``GenerateSecretString`` with what is stored (they are write-only), so any edit of
them makes it write a new value: the placeholder over the customer's key, or a fresh token that
locks Opal out. A new ``Name`` (create-only) or logical id replaces the secret: a new one holding the
placeholder or a fresh token. The released values are those of the first release (8c52c2f), unchanged
on main since; keep them, whatever they look like.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from tests.contract.test_template import RAW, RAW_RESOURCES, ROOT

SECRET_TYPE = "AWS::SecretsManager::Secret"
RELEASED: dict[str, dict[str, Any]] = {
    "FullstoryApiKeySecret": {
        "Name": {"Fn::Sub": "${AWS::StackName}/fullstory-api-key"},
        "SecretString": "REPLACE_ME",
    },
    "OpalBearerTokenSecret": {
        "Name": {"Fn::Sub": "${AWS::StackName}/opal-bearer-token"},
        "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
    },
}
# Metadata, updated in place without touching the value.
FREE_TO_CHANGE = frozenset({"Description", "Tags"})
WHY = (
    "changing it makes CloudFormation write a new value into the deployed secret (or replace the "
    "secret): the customer's Fullstory key or the token Opal holds would be lost on the next deploy. "
    "See tests/contract/test_template_secrets.py."
)


def _schema_paths(key: str) -> set[str]:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", SECRET_TYPE).schema
    return {path.removeprefix("/properties/") for path in schema.get(key, [])}


def test_the_stack_has_exactly_the_released_secrets() -> None:
    secrets = {logical_id for logical_id, r in RAW_RESOURCES.items() if r["Type"] == SECRET_TYPE}
    # A renamed logical id is a new secret, and the old one (with its value) is deleted.
    assert secrets == set(RELEASED), f"secrets keep their logical ids: {WHY}"


@pytest.mark.parametrize("secret", sorted(RELEASED))
def test_what_sets_or_names_the_value_is_as_released(secret: str) -> None:
    properties = RAW_RESOURCES[secret]["Properties"]
    pinned = {name: value for name, value in properties.items() if name not in FREE_TO_CHANGE}
    assert pinned == RELEASED[secret], f"{secret}: {sorted(pinned)} must stay {RELEASED[secret]}: {WHY}"


def test_the_pins_cover_every_property_that_rewrites_or_replaces_a_secret() -> None:
    # AWS's own resource schema (cfn-lint's copy): create-only properties replace the secret,
    # write-only ones (the value's sources) are written again whenever they differ from the template.
    dangerous = _schema_paths("createOnlyProperties") | _schema_paths("writeOnlyProperties")
    assert dangerous >= {"Name", "SecretString", "GenerateSecretString"}
    assert not dangerous & FREE_TO_CHANGE
    # Anything else (KmsKeyId, ReplicaRegions, a new property) is pinned too, until it is reviewed.


@pytest.mark.parametrize("secret", sorted(RELEASED))
def test_nothing_else_can_remove_or_swap_the_secret(secret: str) -> None:
    resource = RAW_RESOURCES[secret]
    # A Condition that turns false deletes the secret on the next deploy.
    assert "Condition" not in resource, f"{secret} has no Condition: {WHY}"
    # Deleting the stack deletes it (README, "Secrets: redeploys and deleting the stack"); a
    # replacement is only ever a mistake, and then the old secret and its value are kept.
    assert resource.get("DeletionPolicy") == "Delete"
    assert resource.get("UpdateReplacePolicy") == "Retain", f"{secret}: a replaced secret keeps its value"


def test_outputs_name_the_released_secrets() -> None:
    for secret in RELEASED:
        assert RAW["Outputs"][f"{secret}Name"]["Value"] == RELEASED[secret]["Name"]


def test_the_readme_says_what_deleting_the_stack_does_to_both_secrets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^### Secrets: redeploys and deleting the stack\n(.*?)(?=^#)", readme, re.M | re.S)
    assert match, "README section '### Secrets: redeploys and deleting the stack'"
    section = " ".join(match.group(1).split())
    for name in ("fullstory-api-key", "opal-bearer-token"):
        assert name in section
    for fact in ("without a recovery window", "UpdateReplacePolicy", "put-secret-value", "delete-secret"):
        assert fact in section, fact
