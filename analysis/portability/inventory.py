"""The current snapshot as the portability stage needs it: repositories, images, index children, blobs.

Read-only SQL over the warehouse views (analysis/warehouse/schema.py); one query per table, whole estate
at once (DuckDB → pandas), so nothing here loops per image. The images themselves (a million rows in a large
estate: seconds to load) are loaded only for a caller that needs each image (a reference scan); the plan's
findings and waves read `image_counts`, per-repository counts the warehouse computes (issue #20).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.warehouse import Warehouse

SCOPE = ["account_id", "region", "repository_name"]

_REPOSITORIES = """
SELECT account_id, region, repository_name, repository_uri, created_at, tag_mutability,
       CAST(tag_mutability_exclusions AS VARCHAR) AS tag_mutability_exclusions, scan_on_push,
       encryption_type, kms_key, CAST(resource_tags AS VARCHAR) AS resource_tags,
       lifecycle_policy_text, repository_policy_text
FROM current_ecr_repositories ORDER BY account_id, region, repository_name
"""

_IMAGES = """
SELECT account_id, region, repository_name, image_digest, image_tags, image_size_bytes, pushed_at,
       last_pull_at, image_status, artifact_media_type, last_archived_at, last_activated_at
FROM current_ecr_images
"""

SIGNATURE_TYPES = "sigstore|notation|cosign"  # artifact media types of signatures (a regular expression, searched)

# Per repository: archived and signature images, and the tagged images with their bytes (for the mean size
# of a tagged image). An image without tags (NULL or []) is untagged.
_IMAGE_COUNTS = f"""
SELECT account_id, region, repository_name,
       count(*) FILTER (WHERE image_status = 'ARCHIVED') AS archived,
       count(*) FILTER (WHERE regexp_matches(coalesce(artifact_media_type, ''), '{SIGNATURE_TYPES}')) AS signed,
       count(*) FILTER (WHERE len(image_tags) > 0) AS tagged,
       coalesce(sum(image_size_bytes) FILTER (WHERE len(image_tags) > 0), 0)::BIGINT AS tagged_bytes
FROM current_ecr_images GROUP BY ALL ORDER BY ALL
"""
IMAGE_COUNT_COLUMNS = [*SCOPE, "archived", "signed", "tagged", "tagged_bytes"]

# Children of an index listed in the same repository (ECR lists them as untagged images there).
_CHILDREN = """
SELECT DISTINCT i.account_id, i.region, i.repository_name, c.index_digest, c.child_digest
FROM current_ecr_images i JOIN manifest_children c ON c.index_digest = i.image_digest
"""

_REGISTRIES = """
SELECT account_id, region, CAST(replication_rules AS VARCHAR) AS replication_rules,
       CAST(scanning_configuration AS VARCHAR) AS scanning_configuration, blob_mounting,
       CAST(pull_time_update_exclusions AS VARCHAR) AS pull_time_update_exclusions, registry_policy_text
FROM current_ecr_registries ORDER BY account_id, region
"""

_PTC = """
SELECT account_id, region, ecr_repository_prefix, upstream_registry_url, upstream_registry,
       upstream_repository_prefix, credential_arn
FROM current_ecr_pull_through_cache_rules ORDER BY account_id, region, ecr_repository_prefix
"""

_PULLS = """
SELECT account_id, region, repository_name, sum(pulls) AS pulls, count(DISTINCT day) AS days
FROM current_ecr_pull_counts GROUP BY ALL
"""

# Every blob an image references: its layers, its config blob and the manifest itself (as the workload
# profile counts them), keyed by the image.
BLOBS_OF_IMAGES = """
SELECT l.manifest_digest AS image_digest, l.layer_digest AS blob, l.size FROM manifest_layers l
UNION ALL
SELECT m.digest, m.config_digest, m.config_size FROM manifests m WHERE m.config_digest IS NOT NULL
UNION ALL
SELECT m.digest, m.digest, m.manifest_size FROM manifests m
"""


@dataclass(frozen=True)
class Inventory:
    repositories: pd.DataFrame
    images: pd.DataFrame
    children: pd.DataFrame
    registries: pd.DataFrame
    pull_through_cache: pd.DataFrame
    pulls: pd.DataFrame
    pull_window_days: int
    # Repositories that ECR-only workloads (Lambda, App Runner, EMR Serverless) use: `collect workloads` (#13).
    bound_to_ecr: pd.DataFrame | None = None
    # IMAGE_COUNT_COLUMNS per repository, from the warehouse; None: counted from `images` (an inventory built
    # by hand).
    image_counts: pd.DataFrame | None = None

    def counts(self) -> pd.DataFrame:
        """Per repository: archived, signature and tagged images, and the bytes of the tagged ones."""
        return self.image_counts if self.image_counts is not None else count_images(self.images)


def count_images(images: pd.DataFrame) -> pd.DataFrame:
    """_IMAGE_COUNTS over a frame of images (the columns it lacks count as none)."""
    if images.empty:
        return pd.DataFrame(columns=IMAGE_COUNT_COLUMNS)
    none = pd.Series(None, index=images.index, dtype=object)
    tagged = images.get("image_tags", none).map(lambda t: hasattr(t, "__len__") and len(t) > 0).astype(bool)
    flags = images[SCOPE].assign(
        archived=images.get("image_status", none).eq("ARCHIVED").astype(int),
        signed=images.get("artifact_media_type", none).fillna("").astype(str).str.contains(SIGNATURE_TYPES).astype(int),
        tagged=tagged.astype(int),
        tagged_bytes=images.get("image_size_bytes", none).where(tagged, 0).fillna(0).astype("int64"),
    )
    return flags.groupby(SCOPE, as_index=False).sum().sort_values(SCOPE, ignore_index=True)


def load_inventory(warehouse: Warehouse, *, images: bool = True, children: bool | None = None) -> Inventory:
    """The snapshot; `images=False` leaves images empty (for a command such as `lifecycle` that evaluates them
    in the warehouse and needs only the repositories here, or the plan, which reads `image_counts`); index
    children are loaded with the images unless `children` says otherwise."""
    con = warehouse.cursor()
    try:
        pulls = con.execute(_PULLS).df()
        (window,) = con.execute("SELECT count(DISTINCT day) FROM current_ecr_pull_counts").fetchone() or (0,)
        with_children = images if children is None else children
        return Inventory(
            repositories=con.execute(_REPOSITORIES).df(),
            images=_normalise(con.execute(_IMAGES + ("" if images else " LIMIT 0")).df()),
            children=con.execute(_CHILDREN + ("" if with_children else " LIMIT 0")).df(),
            registries=con.execute(_REGISTRIES).df(),
            pull_through_cache=con.execute(_PTC).df(),
            pulls=pulls,
            pull_window_days=int(window or 0),
            bound_to_ecr=con.execute("SELECT * FROM ecr_bound_repositories ORDER BY ALL").df(),
            image_counts=con.execute(_IMAGE_COUNTS).df(),
        )
    finally:
        con.close()


def _normalise(images: pd.DataFrame) -> pd.DataFrame:
    images["image_tags"] = images["image_tags"].map(lambda t: list(t) if t is not None else [])
    for col in ("pushed_at", "last_pull_at", "last_archived_at", "last_activated_at"):
        images[col] = pd.to_datetime(images[col], utc=True)
    return images


def state_bytes(con: duckdb.DuckDBPyConnection, images: str, flags: list[str]) -> pd.DataFrame:
    """Unique blob bytes per repository (SCOPE) of all of `images` and of each subset a boolean column marks
    (a blob counted once per repository, as ECR bills). One join with the blobs, whatever the number of subsets:
    a blob of a repository is in a subset when any image of the subset references it.

    `images` is a SELECT of SCOPE, image_digest and the `flags` columns; returns SCOPE, `all_before` and one
    column per flag, in SCOPE order."""
    return con.execute(
        f"""
        SELECT account_id, region, repository_name, sum(size)::DOUBLE AS all_before,
               {", ".join(f"coalesce(sum(size) FILTER (WHERE {f}), 0)::DOUBLE AS {f}" for f in flags)}
        FROM (
            SELECT i.account_id, i.region, i.repository_name, b.blob, any_value(b.size) AS size,
                   {", ".join(f"bool_or(i.{f}) AS {f}" for f in flags)}
            FROM ({images}) i JOIN ({BLOBS_OF_IMAGES}) b USING (image_digest)
            GROUP BY i.account_id, i.region, i.repository_name, b.blob
        ) GROUP BY ALL ORDER BY ALL
        """
    ).df()
