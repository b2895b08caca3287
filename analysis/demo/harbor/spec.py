"""The official Harbor API v2.0 swagger, and a validator holding every emulated response to it: body, status
and paging headers (Swagger 2.0 `definitions` and `responses`, `$ref`s resolved, jsonschema)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema
import yaml

from analysis.resources import shipped_data

# The official spec, copied unmodified into data/harbor/ (its README says from where).
SPEC_PATH = shipped_data() / "harbor" / "harbor-api-v2.0-swagger.yaml"
API = "/api/v2.0"
MAX_PAGE_SIZE = 100


# ---- the spec ------------------------------------------------------------------------------------------------
class SpecViolation(AssertionError):
    """A fake response that the official swagger does not allow."""


@cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 0.2 s instead of 0.8 s for 320 kB
    return yaml.load(SPEC_PATH.read_text(), Loader=loader)  # noqa: S506 (a safe loader)


class SpecValidator:
    """Validate (method, path template, status, body, headers) against the swagger's declared responses."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec or load_spec()
        self.definitions = self.spec["definitions"]
        self._validators: dict[str, jsonschema.Draft4Validator] = {}
        self._routes = [(_template_regex(p), p) for p in self.spec["paths"]]
        # Templates with fewer parameters win: /projects/{p}/summary before a catch-all.
        self._routes.sort(key=lambda r: (r[1].count("{"), -len(r[1])))

    def route(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The swagger path template matching a raw (still percent-encoded) path below /api/v2.0."""
        for regex, template in self._routes:
            m = regex.fullmatch(path)
            if m:
                return template, m.groupdict()
        return None

    def check(self, method: str, template: str, status: int, body: Any, headers: dict[str, str]) -> None:
        op = self.spec["paths"][template].get(method.lower())
        if op is None:
            raise SpecViolation(f"{method} {template}: no such operation in the spec")
        responses = op["responses"]
        response = responses.get(str(status))
        if response is None and status == 401 and self.spec.get("security"):
            # Harbor's auth middleware answers 401 on any path for bad credentials; the spec's global
            # `security` (basic) implies it, and its body must still be the spec's 401 response.
            response = {"$ref": "#/responses/401"}
        if response is None:
            raise SpecViolation(f"{method} {template}: status {status} is not a declared response")
        if "$ref" in response:
            response = self.spec["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("schema")
        if schema is not None:
            self.validate(body, schema, f"{method} {template} → {status}")
        for name, h in (response.get("headers") or {}).items():
            if name in ("X-Total-Count", "Link") and status == 200:
                if name == "X-Total-Count":
                    if name not in headers or not re.fullmatch(r"\d+", headers[name]):
                        raise SpecViolation(f"{method} {template}: header X-Total-Count missing or not an integer")
                elif name in headers and h.get("type") == "string" and not isinstance(headers[name], str):
                    raise SpecViolation(f"{method} {template}: header Link is not a string")

    def validate(self, body: Any, schema: dict[str, Any], where: str) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:  # $refs resolve against the root, which carries the spec's definitions
            validator = jsonschema.Draft4Validator({**schema, "definitions": self.definitions})
            self._validators[key] = validator
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            path = "/".join(str(p) for p in e.absolute_path) or "(root)"
            raise SpecViolation(f"{where}: {path}: {e.message}")


def _template_regex(template: str) -> re.Pattern[str]:
    out = ""
    for part in re.split(r"(\{[^}]+\})", template):
        out += f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
    return re.compile(out + "/?")
