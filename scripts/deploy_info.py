"""`make deploy`'s check before and summary after.

    python scripts/deploy_info.py preflight [ENV]   which stack, account and region a deploy would go to
    python scripts/deploy_info.py outputs [ENV]     the deployed stack's outputs and the next steps

ENV is a samconfig.toml environment (default ``default``). Credentials and region come from boto3's
usual chain (AWS_PROFILE, SSO, environment variables), or a ``profile``/``region`` in samconfig.
The preflight fails before the two-minute build when there are no credentials or no region.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMCONFIG = Path(__file__).resolve().parent.parent / "samconfig.toml"


class DeployError(Exception):
    """A reason not to deploy, said so that the operator knows what to do."""


@dataclass(frozen=True)
class Target:
    config_env: str
    stack_name: str
    region: str | None
    profile: str | None


def target(config_env: str, samconfig: Path = SAMCONFIG) -> Target:
    config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    if config_env not in config:
        known = ", ".join(k for k, v in config.items() if isinstance(v, dict))
        raise DeployError(f"samconfig.toml has no environment {config_env!r} (it has: {known}).")
    env = config[config_env]
    # sam reads a command's own section over the global one.
    params = {**env.get("global", {}).get("parameters", {}), **env.get("deploy", {}).get("parameters", {})}
    if not params.get("stack_name"):
        raise DeployError(f"samconfig.toml: [{config_env}.global.parameters] needs a stack_name.")
    return Target(config_env, str(params["stack_name"]), params.get("region"), params.get("profile"))


def session(where: Target) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=where.profile, region_name=where.region)
    except ProfileNotFound as exc:
        raise DeployError(f"{exc}; fix `profile` in samconfig.toml or AWS_PROFILE.") from None


def _region(where: Target, aws: Any) -> str:
    region: str | None = aws.region_name
    if not region:
        raise DeployError(
            "No AWS region: set AWS_DEFAULT_REGION (or use a profile with a region), or add "
            f'region = "..." under [{where.config_env}.global.parameters] in samconfig.toml.'
        )
    return region


def preflight(where: Target, aws: Any) -> str:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    region = _region(where, aws)
    try:
        account = aws.client("sts").get_caller_identity()["Account"]
    except NoCredentialsError:
        raise DeployError("No AWS credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE.") from None
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(f"AWS did not accept the credentials: {exc}") from None
    return f"Deploying stack {where.stack_name} to account {account} in {region} (samconfig: {where.config_env})."


def next_steps(where: Target, aws: Any) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    region = _region(where, aws)
    try:
        stacks = aws.client("cloudformation").describe_stacks(StackName=where.stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(f"cannot read stack {where.stack_name}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    width = max(map(len, outputs), default=0)
    lines = [f"Stack {where.stack_name} ({region}):", *(f"  {k:<{width}}  {v}" for k, v in sorted(outputs.items()))]
    lines += [
        "",
        "Next steps (README, 'Deploy to AWS'):",
        "  1. Put the Fullstory API key into its secret (once; a rotated key is picked up without a deploy):",
        f"     aws secretsmanager put-secret-value --region {region} "
        f"--secret-id {outputs.get('FullstoryApiKeySecretName', '<stack>/fullstory-api-key')} "
        "--secret-string '<your Fullstory API key>'",
        "  2. Read the bearer token Opal must send:",
        f"     aws secretsmanager get-secret-value --region {region} "
        f"--secret-id {outputs.get('OpalBearerTokenSecretName', '<stack>/opal-bearer-token')} "
        "--query SecretString --output text",
        "  3. In Opal: Tools -> Registries -> Add tool registry; Discovery URL "
        f"{outputs.get('DiscoveryUrl', '<DiscoveryUrl>')}, Bearer Token from step 2; Save, then Sync.",
    ]
    if "DashboardUrl" in outputs:
        lines.append(f"  Watch it: {outputs['DashboardUrl']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("preflight", "outputs"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        where = target(argv[1] if len(argv) > 1 else "default")
        aws = session(where)
        print(preflight(where, aws) if argv[0] == "preflight" else next_steps(where, aws), flush=True)
    except DeployError as exc:
        print(f"make deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
