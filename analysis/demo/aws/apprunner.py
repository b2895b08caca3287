"""AWS App Runner `ListServices` / `DescribeService` for the emulated AWS: moto 5.2.5 has no App Runner backend
(HTTP 500, measurement-facts.md §6), so the gateway (server.py) answers these two reads itself.

Services are held per (account, region) here and cleared with moto's reset. Every answer is checked against
botocore's `apprunner` model before it is sent (`conforms`: only members of the shape, every required member
present, the types of the protocol), and the requests are checked the same way (MaxResults 1..20, ServiceArn
required), so the collector is never tested against an answer App Runner could not give.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import botocore.session

MAX_RESULTS = 20  # ListServices MaxResults: 1..20 (botocore model)
_SERVICES: dict[tuple[str, str], list[dict[str, Any]]] = {}
_LOCK = threading.Lock()


class AppRunnerError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@lru_cache(maxsize=1)
def _model() -> Any:
    return botocore.session.get_session().get_service_model("apprunner")


def conforms(value: Any, shape: Any, path: str = "$") -> None:
    """Raise ValueError where `value` is not what botocore's `shape` allows (members, required, types)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{path}: expected an object for {shape.name}")
        unknown = set(value) - set(shape.members)
        missing = set(shape.required_members) - set(value)
        if unknown or missing:
            raise ValueError(f"{path}: {shape.name} has no {sorted(unknown)}; lacks required {sorted(missing)}")
        for k, v in value.items():
            conforms(v, shape.members[k], f"{path}.{k}")
    elif kind == "list":
        if not isinstance(value, list):
            raise ValueError(f"{path}: expected a list")
        for i, v in enumerate(value):
            conforms(v, shape.member, f"{path}[{i}]")
    elif kind == "timestamp" and not isinstance(value, int | float):
        raise ValueError(f"{path}: a JSON timestamp is epoch seconds")
    elif kind == "string" and not isinstance(value, str):
        raise ValueError(f"{path}: expected a string")
    elif kind == "string" and shape.enum and value not in shape.enum:
        raise ValueError(f"{path}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long") and not isinstance(value, int):
        raise ValueError(f"{path}: expected an integer")


def put_service(account_id: str, region: str, name: str, image_identifier: str, repository_type: str = "ECR") -> str:
    """An image-based App Runner service (as CreateService would leave it, RUNNING); returns its ARN."""
    service_id = uuid.uuid4().hex
    arn = f"arn:aws:apprunner:{region}:{account_id}:service/{name}/{service_id}"
    now = datetime.now(UTC).timestamp()
    service = {
        "ServiceName": name,
        "ServiceId": service_id,
        "ServiceArn": arn,
        "ServiceUrl": f"{service_id[:10]}.{region}.awsapprunner.com",
        "CreatedAt": now,
        "UpdatedAt": now,
        "Status": "RUNNING",
        "SourceConfiguration": {
            "ImageRepository": {"ImageIdentifier": image_identifier, "ImageRepositoryType": repository_type},
            "AutoDeploymentsEnabled": False,
        },
        "InstanceConfiguration": {"Cpu": "1024", "Memory": "2048"},
        "AutoScalingConfigurationSummary": {
            "AutoScalingConfigurationArn": f"arn:aws:apprunner:{region}:{account_id}:autoscalingconfiguration/"
            "DefaultConfiguration/1/00000000000000000000000000000001",
            "AutoScalingConfigurationName": "DefaultConfiguration",
            "AutoScalingConfigurationRevision": 1,
        },
        "NetworkConfiguration": {"EgressConfiguration": {"EgressType": "DEFAULT"}},
    }
    conforms(service, _model().shape_for("Service"))  # a service the model cannot hold is a bug here
    with _LOCK:
        _SERVICES.setdefault((account_id, region), []).append(service)
    return arn


def reset() -> None:
    with _LOCK:
        _SERVICES.clear()


def answer(operation: str, account_id: str, region: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of one App Runner request; errors in the JSON protocol's `__type` form."""
    model = _model()
    try:
        params = json.loads(body or b"{}")
        if operation not in ("ListServices", "DescribeService"):
            raise AppRunnerError("InvalidRequestException", f"{operation} is not emulated (ListServices only)")
        op = model.operation_model(operation)
        try:
            conforms(params, op.input_shape)
        except ValueError as exc:
            raise AppRunnerError("InvalidRequestException", str(exc)) from None
        out = (
            _list(params, account_id, region) if operation == "ListServices" else _describe(params, account_id, region)
        )
        conforms(out, op.output_shape)
        return 200, out
    except AppRunnerError as exc:
        return exc.status, {"__type": exc.code, "Message": exc.message}
    except json.JSONDecodeError:
        return 400, {"__type": "InvalidRequestException", "Message": "the body is not JSON"}


def _list(params: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    limit = int(params.get("MaxResults", MAX_RESULTS))
    if not 1 <= limit <= MAX_RESULTS:
        raise AppRunnerError("InvalidRequestException", "MaxResults must be between 1 and 20")
    offset = 0
    if params.get("NextToken"):
        try:
            offset = int(base64.urlsafe_b64decode(params["NextToken"].encode()))
        except ValueError:
            raise AppRunnerError("InvalidRequestException", "invalid NextToken") from None
    with _LOCK:
        services = list(_SERVICES.get((account_id, region), []))
    summary = [{k: s[k] for k in model_summary_keys() if k in s} for s in services[offset : offset + limit]]
    out: dict[str, Any] = {"ServiceSummaryList": summary}
    if offset + limit < len(services):
        out["NextToken"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
    return out


def model_summary_keys() -> list[str]:
    return list(_model().shape_for("ServiceSummary").members)


def _describe(params: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    with _LOCK:
        services = list(_SERVICES.get((account_id, region), []))
    found = next((s for s in services if s["ServiceArn"] == params["ServiceArn"]), None)
    if found is None:
        raise AppRunnerError("ResourceNotFoundException", f"service {params['ServiceArn']} not found")
    return {"Service": found}
