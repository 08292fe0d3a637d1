"""Reads template.yaml the way the local server needs it: functions, their routes and environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """PyYAML loader that keeps CloudFormation short tags (!Ref, !Sub, ...) as their long form."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a template")
    return loaded


@dataclass(frozen=True)
class Route:
    method: str
    path: str


@dataclass
class FunctionDef:
    logical_id: str
    code_dir: Path
    handler: str
    timeout_s: int
    memory_mb: int
    routes: list[Route] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)


def _merged_environment(globals_fn: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    env.update(((globals_fn.get("Environment") or {}).get("Variables")) or {})
    env.update(((props.get("Environment") or {}).get("Variables")) or {})
    return env


def _memory_mb(value: Any, template: dict[str, Any]) -> int:
    """MemorySize: a number, a parameter (its default), or ``!If [AtLeastN, !Ref ToolMemorySize, N]``
    (a tool's minimum: the larger of the two)."""
    if isinstance(value, dict) and "Ref" in value:
        return int(template["Parameters"][value["Ref"]]["Default"])
    if isinstance(value, dict) and "Fn::If" in value:
        return max(_memory_mb(choice, template) for choice in value["Fn::If"][1:])
    return int(value)


def functions(template: dict[str, Any]) -> list[FunctionDef]:
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    found: list[FunctionDef] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        routes = [
            Route(str(event["Properties"]["Method"]).upper(), str(event["Properties"]["Path"]))
            for event in (props.get("Events") or {}).values()
            if event.get("Type") == "HttpApi"
        ]
        found.append(
            FunctionDef(
                logical_id=logical_id,
                code_dir=ROOT / str(props["CodeUri"]),
                handler=str(props.get("Handler", globals_fn.get("Handler", "app.lambda_handler"))),
                timeout_s=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
                memory_mb=_memory_mb(props.get("MemorySize", globals_fn.get("MemorySize", 128)), template),
                routes=routes,
                environment=_merged_environment(globals_fn, props),
            )
        )
    return found


# Pseudo parameters the functions' environment uses, with the value `sam local` gives them.
LOCAL_PSEUDO_PARAMETERS = {"AWS::StackName": "local"}


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    defaults = {name: str(spec.get("Default", "")) for name, spec in (template.get("Parameters") or {}).items()}
    return {**LOCAL_PSEUDO_PARAMETERS, **defaults}


def resolve(value: Any, refs: dict[str, str]) -> str:
    """Resolve the intrinsic functions an environment variable may use, as far as local needs."""
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict) and "Ref" in value:
        return refs.get(str(value["Ref"]), "")
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        text: str = value["Fn::Sub"]
        for name, resolved in refs.items():
            text = text.replace("${" + name + "}", resolved)
        return text
    if isinstance(value, dict) and "Fn::If" in value:
        return resolve(value["Fn::If"][1], refs)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return refs.get(".".join(target) if isinstance(target, list) else str(target), "")
    return ""
