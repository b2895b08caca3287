"""Supply-chain artifacts — signatures, SBOMs, attestations, other referrers — per registry source: what a
migration must carry along with the images they describe.

One row per (source, registry, kind): `count` artifacts of `bytes` (their own manifests, configs and layers;
None where no size is known, `bytes_unknown` counts those without one), on `subjects` subject artifacts (where
the source links them) in `repositories` repositories. Harbor's accessories come from
`current_registry_accessories`; ECR's from the manifests cache (buildx attestation children of an index, cosign
`.sig`/`.att`/`.sbom` tags, OCI 1.1 referrers and artifact types). Every source is presented alike by status,
the findings and the plan.
"""

from __future__ import annotations

from typing import Any

from analysis.warehouse.db import Warehouse

KINDS = ("signature", "sbom", "attestation", "referrer", "other", "unclassified")
COLUMNS = ("registry", "account_id", "region", "kind", "count", "bytes", "bytes_unknown", "subjects", "repositories")

# source → SQL giving COLUMNS over the current snapshot.
SOURCES: dict[str, str] = {
    "harbor": """
        SELECT registry, NULL AS account_id, NULL AS region, kind,
               count(DISTINCT (repository_name, accessory_digest)) AS count, sum(size_bytes) AS bytes,
               count(*) - count(size_bytes) AS bytes_unknown, count(DISTINCT subject_digest) AS subjects,
               count(DISTINCT repository_name) AS repositories
        FROM current_registry_accessories GROUP BY registry, kind
    """,
    "ecr": """
        WITH img AS (SELECT account_id, region, repository_name, image_digest, image_tags FROM current_ecr_images),
        attested AS (
            SELECT DISTINCT i.account_id, i.region, i.repository_name, c.child_digest AS digest
            FROM img i JOIN manifest_children c ON c.index_digest = i.image_digest
            WHERE c.reference_type = 'attestation-manifest'
        ),
        layer_bytes AS (SELECT manifest_digest, sum(size) AS bytes FROM manifest_layers GROUP BY manifest_digest),
        kinds AS (
            SELECT i.account_id, i.region, i.repository_name,
                   CASE WHEN a.digest IS NOT NULL THEN 'attestation'
                        WHEN m.artifact_kind IS NOT NULL THEN m.artifact_kind
                        WHEN list_bool_or([regexp_matches(t, '^sha256-[0-9a-f]{64}\\.sig$') FOR t IN i.image_tags])
                            THEN 'signature'
                        WHEN list_bool_or([regexp_matches(t, '^sha256-[0-9a-f]{64}\\.att$') FOR t IN i.image_tags])
                            THEN 'attestation'
                        WHEN list_bool_or([regexp_matches(t, '^sha256-[0-9a-f]{64}\\.sbom$') FOR t IN i.image_tags])
                            THEN 'sbom'
                        ELSE 'unclassified' END AS kind,
                   m.manifest_size + coalesce(m.config_size, 0) + coalesce(l.bytes, 0) AS bytes
            FROM img i
            LEFT JOIN manifests m ON m.digest = i.image_digest
            LEFT JOIN attested a ON a.account_id = i.account_id AND a.region = i.region
                AND a.repository_name = i.repository_name AND a.digest = i.image_digest
            LEFT JOIN layer_bytes l ON l.manifest_digest = i.image_digest
        )
        SELECT account_id || '/' || region AS registry, account_id, region, kind, count(*) AS count,
               sum(bytes) AS bytes, count(*) - count(bytes) AS bytes_unknown, NULL AS subjects,
               count(DISTINCT repository_name) AS repositories
        FROM kinds WHERE kind IN ('attestation', 'signature', 'sbom', 'referrer', 'unclassified')
        GROUP BY ALL
    """,
}


def supply_chain_artifacts(warehouse: Warehouse) -> list[dict[str, Any]]:
    """[{source, registry, account_id, region, kind, count, bytes, bytes_unknown, subjects, repositories}], ordered
    by source, registry and KINDS."""
    rows: list[dict[str, Any]] = []
    for source, sql in SOURCES.items():
        for values in warehouse.cursor().execute(sql).fetchall():
            row: dict[str, Any] = {"source": source, **dict(zip(COLUMNS, values, strict=True))}
            for key in ("count", "bytes", "bytes_unknown", "subjects", "repositories"):
                row[key] = None if row[key] is None else int(row[key])
            rows.append(row)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(rows, key=lambda r: (r["source"], r["registry"], order.get(r["kind"], len(KINDS))))
