"""Emulated ECR: the read operations as ECR answers them (real pagination, imageStatus filters, ECR's image
sizes, pull times and archive state, an indexed BatchGetImage) and those moto lacks altogether."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import ImageNotFoundException, InvalidParameterException
from moto.ecr.models import Image, Repository
from moto.ecr.responses import ECRResponse

DEFAULT_PAGE = 100
MAX_PAGE = 1000


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
def describe_repositories(self: ECRResponse) -> ActionResult:
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


def describe_images(self: ECRResponse) -> ActionResult:
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


def list_images(self: ECRResponse) -> ActionResult:
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


def batch_get_image(self: ECRResponse) -> ActionResult:
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


def describe_pull_through_cache_rules(self: ECRResponse) -> ActionResult:
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


def get_account_setting(self: ECRResponse) -> ActionResult:
    name = self._get_param("name")
    if name not in _ACCOUNT_SETTING_DEFAULTS:
        raise _error("ValidationException", f"Account setting name '{name}' is not valid.")
    value = _ACCOUNT_SETTING_DEFAULTS[name]
    if name == "BLOB_MOUNTING":
        value = getattr(self.ecr_backend, "regcost_blob_mounting", value)
    return ActionResult({"name": name, "value": value})


def list_pull_time_update_exclusions(self: ECRResponse) -> ActionResult:
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
