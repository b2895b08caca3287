"""`EmulatedAWS`: moto's ThreadedMotoServer, in-process over real HTTP, with the ECR realism moto lacks.

Collectors talk to it exactly as to AWS (boto3, SigV4, endpoint_url). What moto does not model is patched in
by `patches` (docs/demo-estate.md §5 lists every patch); here, a WSGI gateway in front of moto records every
call, injects faults and answers each request after its latency (the round trip, moto's own time within it).

moto's backends are process-global, so only one EmulatedAWS may run per process at a time.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import requests
from moto.server import ThreadedMotoServer

from analysis.demo.aws.apprunner import answer as apprunner_answer
from analysis.demo.aws.apprunner import reset as apprunner_reset
from analysis.demo.aws.faults import THROTTLE_CODES, Call, Fault, Quota, Storm
from analysis.demo.aws.patches import install_patches
from analysis.demo.estate.records import ACCOUNT_IDS, Estate

# Request signing names -> boto3 client names (CloudWatch signs as "monitoring").
_SERVICE_NAMES = {"monitoring": "cloudwatch"}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_ACTIVE = threading.Lock()
_RUNNING: list[EmulatedAWS] = []


class EmulatedAWS:
    """moto over HTTP on 127.0.0.1:<free port>, seeded with an `Estate`. Use as a context manager."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = float(latency_ms)
        self.calls: list[Call] = []
        self._calls_lock = threading.Lock()
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self._storm: Storm | None = None
        self.quota: Quota | None = None
        self._op_latency: dict[tuple[str, str], float] = {}
        self._server: ThreadedMotoServer | None = None
        self._creds: dict[str, str] | None = None
        self.endpoint_url = ""

    # ---- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> EmulatedAWS:
        with _ACTIVE:
            if _RUNNING:
                raise RuntimeError("an EmulatedAWS is already running in this process (moto state is global)")
            _RUNNING.append(self)
        install_patches()
        # werkzeug logs every request line to stderr; a collector run would drown the console.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        wsgi = self._server._server  # the werkzeug server; wrap its app with our gateway
        assert wsgi is not None
        wsgi.app = _Gateway(wsgi.app, self)
        self._reset_state()
        return self

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._reset_state()
            finally:
                self._server.stop()
                self._server = None
                with _ACTIVE:
                    if self in _RUNNING:
                        _RUNNING.remove(self)

    def __enter__(self) -> EmulatedAWS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _reset_state(self) -> None:
        from analysis.demo.aws.athena import reset as reset_athena

        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=30).raise_for_status()
        reset_athena()  # its queued endings and Glue tables live in the module, where moto's reset does not reach
        apprunner_reset()  # held beside moto's backends: cleared with them
        self._creds = None

    # ---- data --------------------------------------------------------------------------------------------
    def seed(self, estate: Estate) -> None:
        """Load the estate into moto (replacing anything there) and create the organization."""
        from analysis.demo.aws.seed import seed_estate

        if self._server is None:
            raise RuntimeError("start() first")
        self._reset_state()
        self._creds = seed_estate(estate)

    def client_kwargs(self, region: str = "us-east-1") -> dict[str, str]:
        """kwargs for boto3.client/Session: the endpoint and the management account's credentials."""
        if self._creds is None:
            from analysis.demo.aws.seed import _seed_caller

            self._creds = _seed_caller(ACCOUNT_IDS[0])
        return {"endpoint_url": self.endpoint_url, "region_name": region, **self._creds}

    def inject_cost_explorer(self, results: list[dict[str, Any]], account_id: str = ACCOUNT_IDS[0]) -> None:
        """Queue GetCostAndUsage answers in moto (each is pinned to the next new request body, in order)."""
        response = requests.post(
            f"{self.endpoint_url}/moto-api/static/ce/cost-and-usage-results",
            json={"results": results, "account_id": account_id},
            timeout=30,
        )
        response.raise_for_status()

    # ---- observation and faults --------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._calls_lock:
            self.calls.append(call)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self.calls.clear()

    def call_counts(self) -> Counter[tuple[str, str]]:
        with self._calls_lock:
            return Counter((c.service, c.operation) for c in self.calls)

    def inject_fault(
        self,
        operation: str,
        code: str = "AccessDeniedException",
        *,
        service: str = "ecr",
        region: str | None = None,
        account_id: str | None = None,
        repository: str | None = None,
        times: int | None = None,
        status: int = 400,
        message: str = "User is not authorized to perform this operation (injected fault)",
    ) -> None:
        """The next `times` matching calls (None = every one) get an AWS error response instead of moto's."""
        with self._faults_lock:
            self._faults.append(Fault(operation, code, service, region, account_id, repository, times, status, message))

    def throttle(
        self,
        rate: float,
        *,
        services: Iterable[str] = ("ecr", "cloudwatch"),
        operations: Iterable[str] | None = None,
        seed: int = 0,
    ) -> None:
        """A throttling storm: each matching call is throttled with probability `rate` (seeded, repeatable)."""
        with self._faults_lock:
            self._storm = Storm(
                rate, frozenset(services), frozenset(operations) if operations else None, random.Random(seed)
            )

    def limit_in_flight(self, calls: int, *, services: Iterable[str] = ("ecr", "cloudwatch")) -> Quota:
        """A quota per account and region: more than `calls` at once are throttled (`quota.throttled` counts)."""
        self.quota = Quota(calls, frozenset(services))
        return self.quota

    def slow(self, operation: str, latency_ms: float, *, service: str = "ecr") -> None:
        """Extra latency for one operation, on top of the per-request latency."""
        with self._faults_lock:
            self._op_latency[(service, operation)] = float(latency_ms)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()
            self._storm = None
            self._op_latency.clear()
            self.quota = None

    def _extra_latency_ms(self, call: Call) -> float:
        with self._faults_lock:
            return self._op_latency.get((call.service, call.operation), 0.0)

    def _throttled(self, call: Call) -> Fault | None:
        with self._faults_lock:
            if self._storm is None or not self._storm.hits(call):
                return None
        code = THROTTLE_CODES.get(call.service, "ThrottlingException")
        return Fault(call.operation, code, call.service, None, None, None, None, 400, "Rate exceeded (injected)")

    def _take_fault(self, call: Call, repository: str | None) -> Fault | None:
        with self._faults_lock:
            for fault in self._faults:
                if fault.matches(call, repository):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


class _Gateway:
    """WSGI middleware in front of moto: record, delay, fail on request; everything else goes to moto."""

    def __init__(self, app: Callable, aws: EmulatedAWS) -> None:
        self.app = app
        self.aws = aws

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        arrived = time.monotonic()
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        call, repository, protocol = _describe_request(environ, body)
        self.aws._record(call)
        quota = self.aws.quota
        admitted = quota is None or quota.admit(call)
        # AWS's latency is the whole round trip, its own work included: the answer leaves `latency` after the
        # request arrived, moto's time within it (added on top, moto's few ms a call, more under load, made every
        # call of a many-threaded run slower than the latency it was asked for). Per request, in its own server
        # thread: concurrent calls overlap like against AWS.
        answer_at = arrived + (self.aws.latency_ms + self.aws._extra_latency_ms(call)) / 1000.0
        try:
            fault = self.aws._take_fault(call, repository) or self.aws._throttled(call)
            if not admitted:
                code = THROTTLE_CODES.get(call.service, "ThrottlingException")
                fault = Fault(call.operation, code, call.service, None, None, None, None, 400, "Rate exceeded (quota)")
            if fault is not None:
                return _error_response(fault, call, protocol, environ, start_response)
            if call.service == "apprunner":  # no moto backend: answered here (demo/aws/apprunner.py)
                return _apprunner_response(call, body, start_response)
            return self.app(environ, start_response)
        finally:
            wait = answer_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if quota is not None and admitted:
                quota.done(call)


def _describe_request(environ: dict[str, Any], body: bytes) -> tuple[Call, str | None, str]:
    from moto.iam.models import get_account_id_from

    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = _CREDENTIAL.search(auth)
    key, region, signing = (m.group(1), m.group(2), m.group(3)) if m else ("", "us-east-1", "unknown")
    service = _SERVICE_NAMES.get(signing, signing)
    target = environ.get("HTTP_X_AMZ_TARGET")
    content_type = environ.get("CONTENT_TYPE", "")
    repository = None
    if target:
        operation, protocol = target.rsplit(".", 1)[-1], "json"
        with contextlib.suppress(ValueError, AttributeError):  # a malformed body is moto's to reject
            repository = json.loads(body or b"{}").get("repositoryName")
    elif "cbor" in content_type:
        operation, protocol = environ.get("PATH_INFO", "").rsplit("/", 1)[-1], "cbor"
    elif service == "s3":
        operation, protocol = _s3_operation(environ), "rest-xml"
    else:
        form = parse_qs(body.decode("utf-8", "replace")) if body else {}
        query = parse_qs(environ.get("QUERY_STRING", ""))
        operation = (form.get("Action") or query.get("Action") or ["Unknown"])[0]
        protocol = "query"
    account = get_account_id_from(key) if key else ACCOUNT_IDS[0]
    return Call(service, operation, account, region), repository, protocol


def _s3_operation(environ: dict[str, Any]) -> str:
    """S3 is REST: the operation is the method and the path (bucket, or bucket/key) — enough for the reads and
    the few writes tests make to set a bucket up."""
    method = environ.get("REQUEST_METHOD", "GET")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    has_key = "/" in environ.get("PATH_INFO", "").strip("/")
    if method in ("GET", "HEAD") and not has_key:
        if method == "HEAD":
            return "HeadBucket"
        return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    return (
        {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
            method, f"{method}Object"
        )
        if has_key
        else {"PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, f"{method}Bucket")
    )


def _apprunner_response(call: Call, body: bytes, start_response: Callable) -> Iterable[bytes]:
    status, answer = apprunner_answer(call.operation, call.account_id, call.region, body)
    payload = json.dumps(answer).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Content-Length", str(len(payload))),
    ]
    if status != 200:
        headers.append(("x-amzn-ErrorType", answer["__type"]))
    start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", headers)
    return [payload]


def _error_response(
    fault: Fault, call: Call, protocol: str, environ: dict[str, Any], start_response: Callable
) -> Iterable[bytes]:
    request_id = str(uuid.uuid4())
    status = f"{fault.status} {'Bad Request' if fault.status < 500 else 'Internal Server Error'}"
    if protocol == "json":
        headers = [
            ("Content-Type", environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", fault.code),
        ]
        if call.service == "cloudwatch":
            # CloudWatch's JSON protocol is awsQueryCompatible: botocore takes the code from this header.
            headers.append(("x-amzn-query-error", f"{fault.code};Sender"))
        payload = json.dumps({"__type": fault.code, "message": fault.message}).encode()
    else:
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        payload = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
    headers.append(("Content-Length", str(len(payload))))
    start_response(status, headers)
    return [payload]
