"""The README's local curl examples, read as a shell would, and the answers they document.

A ```sh or ```bash block holds commands; a `curl` whose URL is on 127.0.0.1:3000 or localhost:3000 is an
example. The comment line right after it, ``# → <status> <shape>``, is what it answers: the status and a
JSON sketch of the body, where ``…`` stands for anything (a value, the rest of an object or a list).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1:3000", "localhost:3000")
FENCE = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.M | re.S)
ANSWER = re.compile(r"^#\s*→\s*(\d{3})\s*(.*)$")


class Anything:
    """``…`` in a documented answer."""

    def __repr__(self) -> str:
        return "…"


ANY = Anything()


@dataclass
class Example:
    line: int  # where the command starts in the file, 1-based
    command: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    status: int | None = None
    shape: Any = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.method} {self.path}"


def _curl(tokens: list[str], line: int, command: str) -> Example | None:
    """The request a curl command line makes; None when it is not against the local server."""
    headers: dict[str, str] = {}
    body: str | None = None
    method: str | None = None
    url: str | None = None
    words = iter(tokens[1:])
    for word in words:
        if word in ("-H", "--header"):
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw"):
            body = next(words)
        elif word in ("-X", "--request"):
            method = next(words)
        elif word.startswith("-"):
            raise ValueError(f"line {line}: curl option {word} is not one this reader knows: {command}")
        else:
            url = word
    if url is None:
        raise ValueError(f"line {line}: curl without a URL: {command}")
    parts = urlsplit(url)
    if parts.netloc not in LOCAL_HOSTS:
        return None
    if body is not None:  # as curl -d does
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Example(line, command, method or ("POST" if body is not None else "GET"), path, headers, body)


def _commands(block: str, first_line: int) -> list[tuple[int, str]]:
    """The block's commands (a quoted string or a trailing backslash carries one over lines), and its comments."""
    found: list[tuple[int, str]] = []
    pending, start = "", 0
    for offset, text in enumerate(block.splitlines()):
        if not pending:
            start = first_line + offset
            if text.lstrip().startswith("#"):
                found.append((start, text.strip()))
                continue
        pending += text + "\n"
        if pending.endswith("\\\n"):
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # an open quotation: the command goes on
            continue
        found.append((start, pending.replace("\\\n", " ").strip()))
        pending = ""
    if pending:
        raise ValueError(f"line {start}: unterminated command: {pending}")
    return found


def examples(markdown: str) -> list[Example]:
    found: list[Example] = []
    for fence in FENCE.finditer(markdown):
        first_line = markdown.count("\n", 0, fence.start(1)) + 1
        last: Example | None = None
        for line, command in _commands(fence.group(1), first_line):
            if command.startswith("#"):
                answer = ANSWER.match(command)
                if answer and last is not None:
                    last.status, last.shape = int(answer.group(1)), parse_shape(answer.group(2), line)
                last = None
                continue
            tokens = shlex.split(command, comments=True)
            last = _curl(tokens, line, command) if tokens and tokens[0] == "curl" else None
            if last is not None:
                found.append(last)
    return found


# ---------------------------------------------------------------------- documented answers

TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(…)|([{}\[\]:,])|([^\s{}\[\]:,]+))')


def _tokens(text: str, line: int) -> list[Any]:
    tokens: list[Any] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise ValueError(f"line {line}: cannot read the documented answer at {text[position:]!r}")
        string, ellipsis, punctuation, bare = match.groups()
        if string is not None:
            tokens.append(("value", json.loads(string)))
        elif ellipsis is not None:
            tokens.append(("value", ANY))
        elif punctuation is not None:
            tokens.append(punctuation)
        else:
            tokens.append(("value", json.loads(bare)))
        position = match.end()
    return tokens


def parse_shape(text: str, line: int = 0) -> Any:
    """A documented answer: JSON in which ``…`` may stand for a value, a member or an element."""
    if not text.strip():
        return ANY
    tokens = _tokens(text, line)
    value, rest = _value(tokens, line)
    if rest:
        raise ValueError(f"line {line}: unexpected {rest[0]!r} after the documented answer")
    return value


def _value(tokens: list[Any], line: int) -> tuple[Any, list[Any]]:
    if not tokens:
        raise ValueError(f"line {line}: the documented answer ends too early")
    head, rest = tokens[0], tokens[1:]
    if head == "{":
        return _members(rest, line)
    if head == "[":
        return _elements(rest, line)
    if isinstance(head, tuple):
        return head[1], rest
    raise ValueError(f"line {line}: unexpected {head!r} in the documented answer")


def _members(tokens: list[Any], line: int) -> tuple[dict[str, Any], list[Any]]:
    members: dict[str, Any] = {}
    while tokens and tokens[0] != "}":
        if tokens[0] == ("value", ANY):  # "…": more members
            tokens = tokens[1:]
        else:
            key, colon, *tokens = tokens
            if colon != ":" or not isinstance(key, tuple) or not isinstance(key[1], str):
                raise ValueError(f"line {line}: expected a member name and ':' in the documented answer")
            members[key[1]], tokens = _value(tokens, line)
        if tokens[:1] == [","]:
            tokens = tokens[1:]
    return members, tokens[1:]


def _elements(tokens: list[Any], line: int) -> tuple[list[Any], list[Any]]:
    elements: list[Any] = []
    while tokens and tokens[0] != "]":
        element, tokens = _value(tokens, line)
        if element is not ANY:
            elements.append(element)
        if tokens[:1] == [","]:
            tokens = tokens[1:]
    return elements, tokens[1:]


def mismatches(documented: Any, actual: Any, where: str = "answer") -> list[str]:
    """Where ``actual`` is not what ``documented`` says; a documented list's elements are its first ones."""
    if documented is ANY:
        return []
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return [f"{where} is {type(actual).__name__}, documented as an object"]
        found: list[str] = []
        for key, value in documented.items():
            if key not in actual:
                found.append(f"{where} has no {key!r} (it has {sorted(actual)})")
            else:
                found += mismatches(value, actual[key], f"{where}.{key}")
        return found
    if isinstance(documented, list):
        if not isinstance(actual, list) or len(actual) < len(documented):
            return [f"{where} is not a list of at least {len(documented)}"]
        return [p for i, value in enumerate(documented) for p in mismatches(value, actual[i], f"{where}[{i}]")]
    return [] if documented == actual else [f"{where} is {actual!r}, documented as {documented!r}"]
