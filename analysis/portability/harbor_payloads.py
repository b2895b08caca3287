"""The Harbor API calls that set the design up, each body validated against the official Swagger 2.0 spec.

One JSON file per call (`NNN-<what>.json`, the request body) plus `calls.json`: the order, method, path,
the Swagger definition the body follows, and `fill`: which integer fields take the id of an object an
earlier call created (Harbor answers a POST with its Location; ids are unknown until then, so the bodies
carry 0 there). Validation resolves the spec's `$ref`s into one JSON Schema and checks strictly: a field the
spec does not define is an error (Harbor's server would silently drop it, which is how typos go unnoticed).
On top of the spec, the rules Harbor's handlers enforce that the spec cannot say (harbor-facts §1.4/§1.7):
≤ 15 rules, known templates, 6-field cron with seconds 0, algorithm "or", project scope.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from analysis.portability.retention import DEFAULT_CRON, MAX_HARBOR_RULES, retention_payload
from analysis.resources import cache_dir, shipped_data

SPEC_ENV = "REGCOST_HARBOR_SWAGGER"
TEMPLATES = {"latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"}


class PayloadError(Exception):
    """A payload does not follow the Harbor API spec. The message names the file and the field path."""


def spec_path() -> Path:
    env = os.environ.get(SPEC_ENV)
    if env:
        return Path(env)
    for candidate in (
        shipped_data() / "harbor" / "harbor-api-v2.0-swagger.yaml",
        Path("/work/shared/reference/harbor-api-v2.0-swagger.yaml"),
    ):
        if candidate.exists():
            return candidate
    raise PayloadError(f"the Harbor API spec was not found: set ${SPEC_ENV} to harbor-api-v2.0-swagger.yaml")


@functools.cache
def _definitions(path: str) -> dict[str, Any]:
    """The spec's definitions. The YAML (320 kB) takes seconds to parse with PyYAML's pure-Python loader and
    0.1 s with libyaml's; the definitions are also kept as JSON in the user's cache, keyed by the spec's hash,
    so a new process (a restarted dashboard, every `regcost plan`) reads them in milliseconds."""
    text = Path(path).read_bytes()
    cached = cache_dir() / f"harbor-definitions-{hashlib.sha256(text).hexdigest()[:16]}.json"
    try:
        return json.loads(cached.read_text())
    except (OSError, ValueError):
        pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
    defs = yaml.load(text, Loader=loader)["definitions"]  # a safe loader, C or Python
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(defs))
        tmp.replace(cached)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only home: parse again next time
    return defs


def _strict(schema: Any) -> Any:
    """Swagger 2.0 schema → JSON Schema: x-nullable allows null; objects with properties allow no others; a
    bare `type: object` is any value, as go-swagger (Harbor's server generator) treats it."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-")}
    if out.get("type") == "object" and not ({"properties", "additionalProperties", "$ref"} & out.keys()):
        # go-swagger maps a bare `type: object` to interface{}: any JSON value (retention params are ints)
        out = {k: v for k, v in out.items() if k != "type"}
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if schema.get("x-nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    if "$ref" in out and len(out) > 1:  # Swagger allows siblings of $ref (description, type): keep only the ref
        out = {"$ref": out["$ref"]}
    return out


@functools.cache
def _validator(definition: str, path: str) -> jsonschema.Draft4Validator:
    defs = _strict(copy.deepcopy(_definitions(path)))
    if definition not in defs:
        raise PayloadError(f"no definition {definition!r} in {path}")
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": defs})


def validate(definition: str, body: Any, *, spec: Path | None = None) -> list[str]:
    """Every way `body` departs from the spec's `definition` (and Harbor's handler rules), as 'path: message'."""
    path = str(spec or spec_path())
    errors = _schema_errors(definition, body, path)
    if definition == "RetentionPolicy" and isinstance(body, dict):
        errors += _retention_rules(body)
    immutable = isinstance(body, dict) and (body.get("action"), body.get("template")) == (
        "immutable",
        "immutable_template",
    )
    if definition == "ImmutableRule" and isinstance(body, dict) and not immutable:
        errors.append('(body): an immutable rule has action "immutable" and template "immutable_template"')
    return errors


# Keywords whose verdict depends on a value, not only on the body's shape (keys, lengths of lists, JSON types).
# `format` is not among them: the validator has no format checker, so formats are not checked.
_VALUE_KEYWORDS = {"enum", "const", "pattern", "maxLength", "minLength", "minimum", "maximum", "multipleOf"}
_VALUE_KEYWORDS |= {"exclusiveMinimum", "exclusiveMaximum"}
_VALID_SHAPES: dict[tuple[str, str], set[Any]] = {}


def _schema_errors(definition: str, body: Any, path: str) -> list[str]:
    """The validator's errors. A definition that constrains no value gives every body of one shape the same
    verdict: a shape found valid once is not validated again (a large estate has thousands of replication
    policies that differ only in names and filters). Invalid bodies are always validated: their messages
    quote values."""
    shape = _shape(body) if _value_free(definition, path) else None
    valid = _VALID_SHAPES.setdefault((definition, path), set())
    if shape is not None and shape in valid:
        return []
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
        for e in sorted(_validator(definition, path).iter_errors(body), key=lambda e: list(e.absolute_path))
    ]
    if shape is not None and not errors:
        valid.add(shape)
    return errors


def _shape(value: Any) -> Any:
    """A hashable shape: keys in order, list lengths, and the Python type of every leaf (bool, int, float, str…)."""
    if isinstance(value, dict):
        return ("{", tuple((k, _shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[", tuple(_shape(v) for v in value))
    return type(value).__name__


@functools.cache
def _value_free(definition: str, path: str) -> bool:
    """Whether no schema `definition` reaches (through $ref) uses a keyword of _VALUE_KEYWORDS."""
    defs = _strict(copy.deepcopy(_definitions(path)))
    seen: set[str] = set()
    todo = [definition]
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        stack: list[Any] = [defs[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key == "properties":  # property names are not keywords
                        stack.extend(value.values())
                    elif key == "$ref":
                        todo.append(str(value).rsplit("/", 1)[-1])
                    elif key in _VALUE_KEYWORDS:
                        return False
                    else:
                        stack.append(value)
    return True


_CRON = re.compile(r"^0 \S+ \S+ \S+ \S+ \S+$")


def _retention_rules(body: dict) -> list[str]:
    out = []
    rules = body.get("rules") or []
    if body.get("algorithm") != "or":
        out.append('algorithm: only "or" is accepted')
    if (body.get("scope") or {}).get("level") != "project":
        out.append('scope/level: only "project" is accepted')
    cron = ((body.get("trigger") or {}).get("settings") or {}).get("cron", "")
    if not _CRON.match(str(cron)):
        out.append(f"trigger/settings/cron: {cron!r} is not a 6-field cron with seconds first (0)")
    if len(rules) > MAX_HARBOR_RULES:
        out.append(f"rules: {len(rules)} rules; Harbor accepts at most {MAX_HARBOR_RULES}")
    for i, r in enumerate(rules):
        if isinstance(r, dict) and r.get("template") not in TEMPLATES:
            out.append(f"rules/{i}/template: {r.get('template')!r} is not one of {sorted(TEMPLATES)}")
        if isinstance(r, dict) and r.get("action") != "retain":
            out.append(f'rules/{i}/action: retention rules "retain"')
    return out


@dataclass
class Call:
    name: str  # file stem, e.g. 003-project-payments
    method: str
    path: str
    definition: str
    body: dict[str, Any]
    fill: dict[str, str] = field(default_factory=dict)  # JSON pointer in body → name of the call whose id goes there
    note: str = ""


def build_calls(design: Any, waves: list[dict[str, Any]] | None = None) -> list[Call]:
    """The calls, in an order where every id a body needs was created by an earlier call."""
    calls: list[Call] = []

    def add(what: str, method: str, path: str, definition: str, body: dict, fill=None, note: str = "") -> Call:
        call = Call(f"{len(calls) + 1:03d}-{what}", method, path, definition, body, fill or {}, note)
        calls.append(call)
        return call

    reg_calls: dict[str, Call] = {}
    for reg in design.registries:
        body = _registry_body(reg)
        reg_calls[reg["key"]] = add(f"registry-{reg['key']}", "POST", "/registries", "Registry", body)
    project_calls: dict[str, Call] = {}
    for name, p in sorted(design.projects.items()):
        if name == "library" and p.proxy is None:
            continue  # Harbor's built-in project
        body = {
            "project_name": name,
            "metadata": {"public": "false", "auto_scan": str(p.auto_scan).lower()},
        }
        fill = {}
        if p.proxy is not None:
            body["registry_id"] = 0
            fill["/registry_id"] = reg_calls[p.proxy["registry_key"]].name
        project_calls[name] = add(f"project-{name}", "POST", "/projects", "ProjectReq", body, fill)
    for name, p in sorted(design.projects.items()):
        if p.retention:
            fill = {"/scope/ref": project_calls[name].name} if name in project_calls else {}
            add(
                f"retention-{name}",
                "POST",
                "/retentions",
                "RetentionPolicy",
                retention_payload(p.retention),
                fill,
                note=f"retention policy of project {name}",
            )
        for i, rule in enumerate(p.immutable):
            body = rule.payload(i + 1, action="immutable")
            body["params"] = {}
            add(f"immutable-{name}-{i + 1}", "POST", f"/projects/{name}/immutabletagrules", "ImmutableRule", body)
    for wave in waves or []:
        for pol in wave.get("replication", []):
            add(
                f"replication-{pol['name']}",
                "POST",
                "/replication/policies",
                "ReplicationPolicy",
                _wave_copy_body(pol),
                {"/src_registry/id": reg_calls[pol["registry_key"]].name},
                note=f"wave {wave['wave']}: pull-based copy from ECR; start with POST /replication/executions",
            )
    for pol in design.dr_policies:
        add(
            f"replication-{pol['name']}",
            "POST",
            "/replication/policies",
            "ReplicationPolicy",
            _dr_body(pol),
            {"/dest_registry/id": reg_calls["harbor-dr"].name},
            note="Harbor-to-Harbor DR (replaces ECR replication)",
        )
    return calls


def _registry_body(reg: dict[str, Any]) -> dict[str, Any]:
    """A registry endpoint (an ECR source, an upstream for a proxy cache, the DR Harbor)."""
    body: dict[str, Any] = {k: reg[k] for k in ("name", "type", "url") if k in reg}
    body["insecure"] = False
    body["description"] = reg.get("description", "")
    if "credential" in reg:
        body["credential"] = reg["credential"]
    return body


def _wave_copy_body(pol: dict[str, Any]) -> dict[str, Any]:
    """A wave's pull-based copy from ECR: started by hand, never deletes, at full speed."""
    return {
        "name": pol["name"],
        "description": pol["description"],
        "src_registry": {"id": 0},
        "dest_namespace": pol["project"],
        "dest_namespace_replace_count": pol["replace_count"],
        "filters": [{"type": "name", "value": pol["filter"]}],
        "trigger": {"type": "manual"},
        "replicate_deletion": False,
        "override": True,
        "enabled": True,
        "speed": -1,
    }


def _dr_body(pol: dict[str, Any]) -> dict[str, Any]:
    """Event-based push to the DR Harbor, the replacement of an ECR replication rule."""
    return {
        "name": pol["name"],
        "description": pol["description"],
        "dest_registry": {"id": 0},
        "filters": [{"type": "name", "value": pol["filter"]}],
        "trigger": {"type": "event_based"},
        "replicate_deletion": pol["delete"],
        "override": True,
        "enabled": True,
    }


def check(calls: list[Call], *, spec: Path | None = None) -> None:
    """Raise PayloadError naming every call whose body is off the spec."""
    problems = [f"{c.name} ({c.definition}): {e}" for c in calls for e in validate(c.definition, c.body, spec=spec)]
    if problems:
        raise PayloadError("Harbor payloads do not follow the API spec: " + "; ".join(problems[:10]))


def write_calls(calls: list[Call], out_dir: Path) -> Path:
    """Validate, then write one body per file and calls.json. Old NNN-*.json files in `out_dir` are replaced."""
    check(calls)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("[0-9][0-9][0-9]-*.json"):
        old.unlink()
    for c in calls:
        (out_dir / f"{c.name}.json").write_text(json.dumps(c.body, indent=2) + "\n")
    index = {
        "schema_version": 1,
        "api": "Harbor API v2.0 (base path /api/v2.0)",
        "cron_default": DEFAULT_CRON,
        "calls": [
            {
                "file": f"{c.name}.json",
                "method": c.method,
                "path": c.path,
                "definition": c.definition,
                "fill": c.fill,
                "note": c.note,
            }
            for c in calls
        ],
    }
    path = out_dir / "calls.json"
    path.write_text(json.dumps(index, indent=2) + "\n")
    return path
