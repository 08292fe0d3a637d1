"""template.yaml's Conditions, evaluated the way CloudFormation does for given parameter values.

The contract tests use it on the SAM-transformed template to check what a deploy with given
parameters creates (the alarm email's subscription, CORS, and that EnabledTools changes nothing).
"""

from __future__ import annotations

from typing import Any

NO_VALUE = {"Ref": "AWS::NoValue"}


def value_of(expr: Any, refs: dict[str, str]) -> Any:
    """A string (or list of strings) built with the functions Conditions allow inside Fn::Equals:
    Ref, Fn::Sub (string form), Fn::Split, Fn::Join, Fn::Select."""
    if isinstance(expr, str | int | float | bool):
        return str(expr).lower() if isinstance(expr, bool) else str(expr)
    if isinstance(expr, list):
        return [value_of(item, refs) for item in expr]
    if isinstance(expr, dict) and len(expr) == 1:
        ((name, arg),) = expr.items()
        if name == "Ref":
            if arg not in refs:
                raise KeyError(f"no value for Ref {arg}")
            return refs[arg]
        if name == "Fn::Sub" and isinstance(arg, str):
            text = arg
            for key, value in refs.items():
                text = text.replace("${" + key + "}", value)
            return text
        if name == "Fn::Split":
            delimiter, source = arg
            return str(value_of(source, refs)).split(str(delimiter))
        if name == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(str(item) for item in value_of(items, refs))
        if name == "Fn::Select":
            index, items = arg
            return value_of(items, refs)[int(value_of(index, refs))]
    raise ValueError(f"unsupported in a condition: {expr!r}")


def evaluate_conditions(template: dict[str, Any], refs: dict[str, str]) -> dict[str, bool]:
    """Every condition of the template, by name."""
    definitions: dict[str, Any] = template.get("Conditions") or {}
    results: dict[str, bool] = {}

    def truth(expr: Any) -> bool:
        if not isinstance(expr, dict) or len(expr) != 1:
            raise ValueError(f"not a condition: {expr!r}")
        ((name, arg),) = expr.items()
        if name in ("Condition", "Fn::Condition"):  # `!Condition X` as cfn-lint / our loader read it
            return named(str(arg))
        if name == "Fn::Equals":
            left, right = (value_of(side, refs) for side in arg)
            return bool(left == right)
        if name == "Fn::Not":
            return not truth(arg[0])
        if name == "Fn::And":
            return all(truth(item) for item in arg)
        if name == "Fn::Or":
            return any(truth(item) for item in arg)
        raise ValueError(f"unsupported condition function {name}")

    def named(name: str) -> bool:
        if name not in results:
            results[name] = truth(definitions[name])
        return results[name]

    for name in definitions:
        named(name)
    return results


def resolve_ifs(value: Any, conditions: dict[str, bool]) -> Any:
    """``value`` with every Fn::If decided and AWS::NoValue dropped, as CloudFormation deploys it."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return resolve_ifs(when_true if conditions[name] else when_false, conditions)
        resolved = {key: resolve_ifs(item, conditions) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item != NO_VALUE}
    if isinstance(value, list):
        return [item for item in (resolve_ifs(item, conditions) for item in value) if item != NO_VALUE]
    return value


def deployed(template: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    """The template as deployed with these parameter values: resources and outputs whose Condition
    is false are gone, and Fn::If is decided everywhere."""
    conditions = evaluate_conditions(template, refs)
    resources = {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if "Condition" not in resource or conditions[resource["Condition"]]
    }
    outputs = {
        name: output
        for name, output in (template.get("Outputs") or {}).items()
        if "Condition" not in output or conditions[output["Condition"]]
    }
    result: dict[str, Any] = resolve_ifs({**template, "Resources": resources, "Outputs": outputs}, conditions)
    return result
