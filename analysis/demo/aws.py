"""`EmulatedAWS`: moto's ThreadedMotoServer, in-process over real HTTP, with the ECR realism moto lacks.

Collectors talk to it exactly as to AWS (boto3, SigV4, endpoint_url). What moto does not model is patched in
from here, never by editing site-packages (docs/demo-estate.md §5 lists every patch):

* a WSGI gateway in front of moto records every call, injects faults and adds latency per request;
* ECR responses: real pagination (maxResults/nextToken), imageStatus filtering, ECR's image sizes, pull times
  and archive state, indexed BatchGetImage, and the read-only operations moto lacks;
* CloudWatch GetMetricData: an indexed implementation (moto's is O(queries × periods × datapoints)).

moto's backends are process-global, so only one EmulatedAWS may run per process at a time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import random
import re
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import requests
from moto.cloudwatch.models import CloudWatchBackend, Statistics
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import ImageNotFoundException, InvalidParameterException
from moto.ecr.models import Image, Repository
from moto.ecr.responses import ECRResponse
from moto.server import ThreadedMotoServer

from analysis.demo.estate import ACCOUNT_IDS, Estate

# Request signing names -> boto3 client names (CloudWatch signs as "monitoring").
_SERVICE_NAMES = {"monitoring": "cloudwatch"}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_ACTIVE = threading.Lock()
_RUNNING: list[EmulatedAWS] = []


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    account_id: str
    region: str


@dataclass
class _Fault:
    operation: str
    code: str
    service: str
    region: str | None
    account_id: str | None
    repository: str | None
    times: int | None
    status: int
    message: str

    def matches(self, call: Call, repository: str | None) -> bool:
        return (
            self.operation == call.operation
            and self.service == call.service
            and (self.region is None or self.region == call.region)
            and (self.account_id is None or self.account_id == call.account_id)
            and (self.repository is None or self.repository == repository)
            and (self.times is None or self.times > 0)
        )


@dataclass
class _Storm:
    """A share of matching calls answered with a throttling error, drawn from a seeded generator."""

    rate: float
    services: frozenset[str]
    operations: frozenset[str] | None
    rng: random.Random

    def hits(self, call: Call) -> bool:
        if call.service not in self.services or (self.operations is not None and call.operation not in self.operations):
            return False
        return self.rng.random() < self.rate


# The throttling error each service answers with (botocore retries both as throttles).
_THROTTLE_CODES = {"cloudwatch": "Throttling"}


class EmulatedAWS:
    """moto over HTTP on 127.0.0.1:<free port>, seeded with an `Estate`. Use as a context manager."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = float(latency_ms)
        self.calls: list[Call] = []
        self._calls_lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._faults_lock = threading.Lock()
        self._storm: _Storm | None = None
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
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=30).raise_for_status()
        self._creds = None

    # ---- data --------------------------------------------------------------------------------------------
    def seed(self, estate: Estate) -> None:
        """Load the estate into moto (replacing anything there) and create the organization."""
        from analysis.demo.seed import seed_estate

        if self._server is None:
            raise RuntimeError("start() first")
        self._reset_state()
        self._creds = seed_estate(estate)

    def client_kwargs(self, region: str = "us-east-1") -> dict[str, str]:
        """kwargs for boto3.client/Session: the endpoint and the management account's credentials."""
        if self._creds is None:
            from analysis.demo.seed import _seed_caller

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
            self._faults.append(
                _Fault(operation, code, service, region, account_id, repository, times, status, message)
            )

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
            self._storm = _Storm(
                rate, frozenset(services), frozenset(operations) if operations else None, random.Random(seed)
            )

    def slow(self, operation: str, latency_ms: float, *, service: str = "ecr") -> None:
        """Extra latency for one operation, on top of the per-request latency."""
        with self._faults_lock:
            self._op_latency[(service, operation)] = float(latency_ms)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()
            self._storm = None
            self._op_latency.clear()

    def _extra_latency_ms(self, call: Call) -> float:
        with self._faults_lock:
            return self._op_latency.get((call.service, call.operation), 0.0)

    def _throttled(self, call: Call) -> _Fault | None:
        with self._faults_lock:
            if self._storm is None or not self._storm.hits(call):
                return None
        code = _THROTTLE_CODES.get(call.service, "ThrottlingException")
        return _Fault(call.operation, code, call.service, None, None, None, None, 400, "Rate exceeded (injected)")

    def _take_fault(self, call: Call, repository: str | None) -> _Fault | None:
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
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        call, repository, protocol = _describe_request(environ, body)
        self.aws._record(call)
        latency_ms = self.aws.latency_ms + self.aws._extra_latency_ms(call)
        if latency_ms > 0:
            # Per request, in this request's own server thread: concurrent calls overlap like against AWS.
            time.sleep(latency_ms / 1000.0)
        fault = self.aws._take_fault(call, repository) or self.aws._throttled(call)
        if fault is not None:
            return _error_response(fault, call, protocol, environ, start_response)
        return self.app(environ, start_response)


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


def _error_response(
    fault: _Fault, call: Call, protocol: str, environ: dict[str, Any], start_response: Callable
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


# ============================================================================================================
# moto patches. Installed once per process; each replaces or adds a method on moto's classes.
# ============================================================================================================
_PATCHED = False
_PATCH_LOCK = threading.Lock()
DEFAULT_PAGE = 100
MAX_PAGE = 1000


def install_patches() -> None:
    """Idempotently patch moto's ECR responses and CloudWatch backend (see module docstring)."""
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        ECRResponse.describe_repositories = _describe_repositories  # type: ignore[method-assign]
        ECRResponse.describe_images = _describe_images  # type: ignore[method-assign]
        ECRResponse.list_images = _list_images  # type: ignore[method-assign]
        ECRResponse.batch_get_image = _batch_get_image  # type: ignore[method-assign]
        # Operations moto does not implement at all; moto dispatches any method named after the operation.
        ECRResponse.describe_pull_through_cache_rules = _describe_pull_through_cache_rules  # type: ignore[attr-defined]
        ECRResponse.get_account_setting = _get_account_setting  # type: ignore[attr-defined]
        ECRResponse.list_pull_time_update_exclusions = _list_pull_time_update_exclusions  # type: ignore[attr-defined]
        CloudWatchBackend._regcost_original_get_metric_data = CloudWatchBackend.get_metric_data  # type: ignore[attr-defined]
        CloudWatchBackend.get_metric_data = _get_metric_data  # type: ignore[method-assign]
        from analysis.demo import cloudtrail as emulated_cloudtrail  # LookupEvents (#13)

        emulated_cloudtrail.install()
        _PATCHED = True


class _AwsError(ServiceException):
    """Defined outside moto.*, so moto's serializer resolves the code against the called service's model."""


def _error(code: str, message: str) -> ServiceException:
    return _AwsError(code, message)


# ---- pagination --------------------------------------------------------------------------------------------
def _scope_hash(*scope: Any) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _paginate(items: list[Any], max_results: Any, token: str | None, *scope: Any) -> tuple[list[Any], str | None]:
    """ECR-style pages: maxResults 1..1000 (default 100), opaque nextToken, none on the last page."""
    limit = DEFAULT_PAGE if max_results is None else int(max_results)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidParameterException(
            "Invalid parameter at 'maxResults' failed to satisfy constraint: "
            "'Member must have value less than or equal to 1000'"
        )
    offset = 0
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, ok = int(state["o"]), state["s"] == _scope_hash(*scope)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok or offset < 0:
            raise InvalidParameterException(
                "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'"
            )
    end = offset + limit
    page = items[offset:end]
    if end >= len(items):
        return page, None
    raw = json.dumps({"o": end, "s": _scope_hash(*scope), "n": uuid.uuid4().hex[:8]}).encode()
    return page, base64.urlsafe_b64encode(raw).decode()


# ---- image lookup ------------------------------------------------------------------------------------------
def _index(repo: Repository, rebuild: bool = False) -> tuple[dict[str, Image], dict[str, Image]]:
    """Digest/tag index of a repository, rebuilt when the image list changes (moto scans linearly)."""
    images = repo.images
    key = (len(images), id(images[-1]) if images else None)
    cached = getattr(repo, "_regcost_index", None)
    if cached is None or cached[0] != key or rebuild:
        by_digest = {img.get_image_digest(): img for img in images}
        by_tag = {t: img for img in images for t in (img.image_tags or [])}
        cached = (key, by_digest, by_tag)
        repo._regcost_index = cached  # type: ignore[attr-defined]
    return cached[1], cached[2]


def _lookup(repo: Repository, digest: str | None, tag: str | None) -> Image | None:
    for attempt in (False, True):
        by_digest, by_tag = _index(repo, rebuild=attempt)
        img = by_digest.get(digest) if digest else by_tag.get(tag or "")
        # A re-tag over HTTP keeps the list length: verify, and rebuild once if the index went stale.
        if (
            img is not None
            and (not tag or tag in (img.image_tags or []))
            and (not digest or img.get_image_digest() == digest)
        ):
            return img
        if digest and tag and img is not None and tag not in (img.image_tags or []):
            return None
    return None


def _status(img: Image) -> str:
    return getattr(img, "image_status", "ACTIVE")


def _filtered(repo: Repository, flt: dict[str, Any] | None) -> list[Image]:
    flt = flt or {}
    tag_status = flt.get("tagStatus", "ANY")
    # ECR lists only ACTIVE images unless imageStatus says otherwise (ecr-facts.md §3.3).
    image_status = flt.get("imageStatus", "ACTIVE")
    out = []
    for img in repo.images:
        if tag_status == "TAGGED" and not img.image_tags:
            continue
        if tag_status == "UNTAGGED" and img.image_tags:
            continue
        if image_status != "ANY" and _status(img) != image_status:
            continue
        out.append(img)
    return out


def _detail(img: Image) -> dict[str, Any]:
    if hasattr(img, "detail"):
        return img.detail()
    # Images pushed over HTTP after seeding: moto's own values, ECR's shape.
    out: dict[str, Any] = {
        "registryId": img.registry_id,
        "repositoryName": img.repository_name,
        "imageDigest": img.get_image_digest(),
    }
    if img.image_tags:
        out["imageTags"] = list(img.image_tags)
    size = img.get_image_size_in_bytes()
    if size is not None:
        out["imageSizeInBytes"] = size
    out["imagePushedAt"] = datetime.fromtimestamp(img.image_pushed_at, UTC)
    out["imageManifestMediaType"] = img.image_manifest_media_type
    out["imageStatus"] = "ACTIVE"
    return out


# ---- ECR handlers (bound as ECRResponse methods) -----------------------------------------------------------
def _describe_repositories(self: ECRResponse) -> ActionResult:
    names = self._get_param("repositoryNames")
    registry_id = self._get_param("registryId")
    max_results, token = self._get_param("maxResults"), self._get_param("nextToken")
    if names and (max_results is not None or token):
        raise InvalidParameterException(
            "Invalid parameter: maxResults and nextToken cannot be used with repositoryNames"
        )
    repos = self.ecr_backend.describe_repositories(registry_id=registry_id, repository_names=names)
    if names:
        return ActionResult({"repositories": repos})
    page, nxt = _paginate(
        repos, max_results, token, "DescribeRepositories", self.current_account, self.region, registry_id
    )
    return ActionResult({"repositories": page, **({"nextToken": nxt} if nxt else {})})


def _describe_images(self: ECRResponse) -> ActionResult:
    name = self._get_param("repositoryName")
    registry_id = self._get_param("registryId")
    image_ids = self._get_param("imageIds")
    flt = self._get_param("filter")
    max_results, token = self._get_param("maxResults"), self._get_param("nextToken")
    repo = self.ecr_backend._get_repository(name, registry_id)
    if image_ids:
        if max_results is not None or token:
            raise InvalidParameterException("Invalid parameter: maxResults and nextToken cannot be used with imageIds")
        found = []
        for iid in image_ids:
            img = _lookup(repo, iid.get("imageDigest"), iid.get("imageTag"))
            if img is None:
                digest, tag = iid.get("imageDigest") or "null", iid.get("imageTag") or "null"
                rep = f"{{imageDigest:'{digest}', imageTag:'{tag}'}}"
                raise ImageNotFoundException(image_id=rep, repository_name=name, registry_id=repo.registry_id)
            if img not in found:
                found.append(img)
        return ActionResult({"imageDetails": [_detail(i) for i in found]})
    images = _filtered(repo, flt)
    page, nxt = _paginate(
        images, max_results, token, "DescribeImages", self.current_account, self.region, repo.name, flt
    )
    return ActionResult({"imageDetails": [_detail(i) for i in page], **({"nextToken": nxt} if nxt else {})})


def _list_images(self: ECRResponse) -> ActionResult:
    name = self._get_param("repositoryName")
    registry_id = self._get_param("registryId")
    flt = self._get_param("filter")
    repo = self.ecr_backend._get_repository(name, registry_id)
    ids: list[dict[str, str]] = []
    for img in _filtered(repo, flt):
        digest = img.get_image_digest()
        if img.image_tags:
            ids.extend({"imageDigest": digest, "imageTag": t} for t in img.image_tags)
        else:
            ids.append({"imageDigest": digest})
    page, nxt = _paginate(
        ids,
        self._get_param("maxResults"),
        self._get_param("nextToken"),
        "ListImages",
        self.current_account,
        self.region,
        repo.name,
        flt,
    )
    return ActionResult({"imageIds": page, **({"nextToken": nxt} if nxt else {})})


def _batch_get_image(self: ECRResponse) -> ActionResult:
    name = self._get_param("repositoryName")
    registry_id = self._get_param("registryId")
    image_ids = self._get_param("imageIds") or []
    if not image_ids or len(image_ids) > 100:
        raise InvalidParameterException(
            "Invalid parameter at 'imageIds' failed to satisfy constraint: "
            "'Member must have length less than or equal to 100'"
        )
    repo = self.ecr_backend._get_repository(name, registry_id)
    images, failures = [], []
    for iid in image_ids:
        digest, tag = iid.get("imageDigest"), iid.get("imageTag")
        if not digest and not tag:
            failures.append(
                {
                    "imageId": iid,
                    "failureCode": "MissingDigestAndTag",
                    "failureReason": "Missing digest and tag",
                }
            )
            continue
        img = _lookup(repo, digest, tag)
        if img is None:
            failures.append(
                {"imageId": iid, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}
            )
            continue
        image_id = {"imageDigest": img.get_image_digest()}
        if tag:
            image_id["imageTag"] = tag
        images.append(
            {
                "registryId": repo.registry_id,
                "repositoryName": repo.name,
                "imageId": image_id,
                "imageManifest": img.image_manifest,  # the exact stored text: its sha256 is the digest
                "imageManifestMediaType": img.image_manifest_media_type,
            }
        )
    return ActionResult({"images": images, "failures": failures})


def _describe_pull_through_cache_rules(self: ECRResponse) -> ActionResult:
    rules = list(getattr(self.ecr_backend, "regcost_pull_through_cache_rules", []))
    prefixes = self._get_param("ecrRepositoryPrefixes")
    if prefixes:
        known = {r["ecrRepositoryPrefix"] for r in rules}
        missing = [p for p in prefixes if p not in known]
        if missing:
            raise _error(
                "PullThroughCacheRuleNotFoundException",
                f"The pull through cache rule with prefix '{missing[0]}' does not exist in the registry "
                f"with id '{self.current_account}'",
            )
        rules = [r for r in rules if r["ecrRepositoryPrefix"] in prefixes]
    page, nxt = _paginate(
        rules,
        self._get_param("maxResults"),
        self._get_param("nextToken"),
        "DescribePullThroughCacheRules",
        self.current_account,
        self.region,
        prefixes,
    )
    return ActionResult({"pullThroughCacheRules": page, **({"nextToken": nxt} if nxt else {})})


_ACCOUNT_SETTING_DEFAULTS = {
    "BLOB_MOUNTING": "DISABLED",
    "BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE",
    "REGISTRY_POLICY_SCOPE": "V2",
}


def _get_account_setting(self: ECRResponse) -> ActionResult:
    name = self._get_param("name")
    if name not in _ACCOUNT_SETTING_DEFAULTS:
        raise _error("ValidationException", f"Account setting name '{name}' is not valid.")
    value = _ACCOUNT_SETTING_DEFAULTS[name]
    if name == "BLOB_MOUNTING":
        value = getattr(self.ecr_backend, "regcost_blob_mounting", value)
    return ActionResult({"name": name, "value": value})


def _list_pull_time_update_exclusions(self: ECRResponse) -> ActionResult:
    arns = list(getattr(self.ecr_backend, "regcost_pull_time_update_exclusions", []))
    page, nxt = _paginate(
        arns,
        self._get_param("maxResults"),
        self._get_param("nextToken"),
        "ListPullTimeUpdateExclusions",
        self.current_account,
        self.region,
    )
    return ActionResult({"pullTimeUpdateExclusions": page, **({"nextToken": nxt} if nxt else {})})


# ---- CloudWatch GetMetricData ------------------------------------------------------------------------------
def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _cw_index(backend: CloudWatchBackend) -> dict[tuple, tuple[list[datetime], list[Any]]]:
    data = backend.metric_data
    key = (id(data), len(data))
    cached = getattr(backend, "_regcost_index", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    groups: dict[tuple, list[Any]] = {}
    for md in data:
        dims = frozenset((d.name, d.value) for d in md.dimensions)
        groups.setdefault((md.namespace, md.name, dims), []).append(md)
        groups.setdefault((md.namespace, md.name, None), []).append(md)
    index = {}
    for k, mds in groups.items():
        mds.sort(key=lambda m: _utc(m.timestamp))
        index[k] = ([_utc(m.timestamp) for m in mds], mds)
    backend._regcost_index = (key, index)  # type: ignore[attr-defined]
    return index


def _get_metric_data(
    self: CloudWatchBackend,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str = "TimestampAscending",
) -> list[dict[str, Any]]:
    """moto's semantics (buckets start at StartTime, step Period) with an index instead of nested scans."""
    original = CloudWatchBackend._regcost_original_get_metric_data  # type: ignore[attr-defined]
    if any("MetricStat" not in q for q in queries) or self.aws_metric_data:
        return original(self, queries, start_time, end_time, scan_by)
    start, end = _utc(start_time).replace(microsecond=0), _utc(end_time).replace(microsecond=0)
    if start >= end:
        return original(self, queries, start_time, end_time, scan_by)  # moto raises the right error
    index = _cw_index(self)
    results = []
    for q in queries:
        stat_q = q["MetricStat"]
        metric = stat_q["Metric"]
        dims = metric.get("Dimensions") or []
        key = (
            metric["Namespace"],
            metric["MetricName"],
            frozenset((d["Name"], d["Value"]) for d in dims) if dims else None,
        )
        stamps, mds = index.get(key, ([], []))
        delta = timedelta(seconds=int(stat_q["Period"]))
        stat, unit = stat_q["Stat"], stat_q.get("Unit")
        buckets: dict[int, list[Any]] = {}
        for i in range(bisect_left(stamps, start), bisect_left(stamps, end)):
            if unit and mds[i].unit != unit:
                continue
            buckets.setdefault(int((stamps[i] - start) / delta), []).append(mds[i])
        values, timestamps = [], []
        for k in sorted(buckets):
            s = Statistics([stat], start + k * delta)
            s.metric_data = buckets[k]
            values.append(s.get_statistics_for_type(stat))
            timestamps.append(s.timestamp)
        if scan_by == "TimestampDescending":
            values.reverse()
            timestamps.reverse()
        if q.get("ReturnData", True):
            results.append(
                {
                    "id": q["Id"],
                    "label": q.get("Label") or f"{metric['MetricName']} {stat}",
                    "values": values,
                    "timestamps": timestamps,
                    "status_code": "Complete",
                }
            )
    return results
