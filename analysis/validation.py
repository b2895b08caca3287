"""How a pydantic ValidationError reads to a person: the file, the field path and what was expected.

One formatter for every file a person writes: scenarios and usage files get one line (the problem that best
explains what was meant, and how many more there are); price catalogs get one line per problem, with the id of
the entry it is in. A validator that knows which nested part of its value is wrong raises an error with a
`subpath` attribute (e.g. "tiers[1].up_to"): the path then points at that part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# Pydantic names the member of a union (`float | Range`) in an error's location; people know field names only.
_UNION_TAGS = {"float", "int", "str", "bool", "none", "Range", "Share"}
_VALUE_ERROR = "Value error, "


def field_path(loc: tuple[Any, ...]) -> str:
    """`prices[0].tiers[1].price`: names joined by dots, list positions in brackets, union members left out."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) not in _UNION_TAGS and not str(part).startswith(("function-", "literal[")):
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def format_validation_error(
    path: Path,
    exc: ValidationError,
    raw: Any = None,
    *,
    unknown_key: Callable[[str], str] = lambda _name: "unknown field",
    first_only: bool = False,
) -> str:
    """`file: field.path: what was expected (got …)`, one line per problem, or only the most telling one.

    `raw`: the document as read; a problem inside a list entry with an `id` names it. `unknown_key(name)`: what
    to say of a key the format does not have (e.g. the field it was probably meant to be). `first_only`: one
    line, plus "(+N more)"; for a union (a number or a range), the branch that matches what was written
    explains the problem: a mapping was meant as a range.
    """
    errors = exc.errors(include_url=False)
    if first_only:

        def is_range_branch(e: Any) -> bool:
            return any("Range" in str(p) for p in e["loc"])

        ranged = [e for e in errors if is_range_branch(e) and isinstance(e.get("input"), dict)]
        first = (ranged or [e for e in errors if not is_range_branch(e)] or errors)[0]
        fields = {field_path(tuple(e["loc"])) for e in errors}
        more = f" (+{len(fields) - 1} more)" if len(fields) > 1 else ""
        return _line(path, first, raw, unknown_key) + more
    return "\n".join(_line(path, e, raw, unknown_key) for e in errors)


def _line(path: Path, err: Any, raw: Any, unknown_key: Callable[[str], str]) -> str:
    loc = tuple(err["loc"])
    message = str(err["msg"]).removeprefix(_VALUE_ERROR)
    subpath = getattr((err.get("ctx") or {}).get("error"), "subpath", None)
    if subpath is not None:
        loc += tuple(_split_subpath(subpath))
        message = str(err["ctx"]["error"])
    if err["type"] == "extra_forbidden":
        message = unknown_key(str(loc[-1]))
    elif err["type"] == "missing":
        message = "required field is missing"
    elif "input" in err and not isinstance(err["input"], dict | list):
        message += f" (got {err['input']!r})"
    return f"{path}: {field_path(loc)}{_entry_id(raw, loc)}: {message}"


def _split_subpath(subpath: str) -> list[Any]:
    return [int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"[^.\[\]]+|\[\d+\]", subpath)]


def _entry_id(raw: Any, loc: tuple[Any, ...]) -> str:
    """' (id aws.transfer.internet_out)' after `prices[3]` helps find the entry in a long file."""
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
        section = raw.get(loc[0])
        if isinstance(section, list) and loc[1] < len(section) and isinstance(section[loc[1]], dict):
            entry_id = section[loc[1]].get("id")
            if entry_id is not None:
                return f" (id {entry_id})"
    return ""
