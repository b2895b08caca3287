"""Migrations of self-hosted registries (Harbor, OCI) and of what each cached manifest is.

Part of the warehouse's one ordered list of migrations (assembled in schema.py by version). An applied migration is
never edited: a change is a new migration with the next version, in the module of what it migrates.
"""

from __future__ import annotations

REGISTRY_MIGRATIONS: list[tuple[int, str, str]] = [
    (
        6,
        "self-hosted registries (Harbor, OCI): snapshots, repositories, artifacts, Harbor settings, metric scrapes",
        """
        -- Errors of a self-hosted registry name it and the Harbor project (account_id/region stay NULL).
        ALTER TABLE collection_errors ADD COLUMN registry VARCHAR;
        ALTER TABLE collection_errors ADD COLUMN project VARCHAR;

        -- One row per (run, registry) that finished loading: a registry's rows are loaded in the same
        -- transaction as this row. `registry` is the URL without credentials; kind: harbor | oci.
        -- physical_bytes: Harbor's global blob table (statistics or the exporter metric, physical_source says
        -- which); it still holds deleted blobs until GC runs (harbor-facts §3).
        CREATE TABLE registry_snapshots (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL,
            version VARCHAR,
            storage_provider VARCHAR,
            physical_bytes BIGINT,
            physical_source VARCHAR,
            info JSON,
            PRIMARY KEY (run_id, registry)
        );

        CREATE VIEW latest_registry_snapshots AS
        SELECT * EXCLUDE (rn) FROM (
            SELECT s.*, row_number() OVER (PARTITION BY s.registry ORDER BY s.finished_at DESC, s.run_id DESC) AS rn
            FROM registry_snapshots s JOIN runs r USING (run_id)
            WHERE r.status IN ('complete', 'partial', 'failed')
        ) WHERE rn = 1;

        -- Columns named as in ecr_repositories / ecr_images where the concept is the same.
        CREATE TABLE registry_repositories (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            project VARCHAR,
            repository_name VARCHAR NOT NULL,
            created_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ,
            artifact_count BIGINT,
            pull_count BIGINT,            -- Harbor: cumulative manifest GETs; an OCI registry: NULL
            tag_count BIGINT,
            description VARCHAR
        );

        -- image_size_bytes is Harbor's Artifact.size (manifest + config + layers; an index adds its children):
        -- NOT additive, exactly like ECR's imageSizeInBytes. Unique bytes come from the manifests tables.
        CREATE TABLE registry_artifacts (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            project VARCHAR,
            repository_name VARCHAR NOT NULL,
            image_digest VARCHAR NOT NULL,
            image_tags VARCHAR[],
            image_size_bytes BIGINT,
            pushed_at TIMESTAMPTZ,
            last_pull_at TIMESTAMPTZ,
            manifest_media_type VARCHAR,
            artifact_media_type VARCHAR,
            artifact_type VARCHAR,
            child_digests VARCHAR[],
            is_child BOOLEAN
        );

        CREATE TABLE harbor_projects (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            project_id BIGINT NOT NULL,
            name VARCHAR NOT NULL,
            public BOOLEAN,
            proxy_registry_id BIGINT,     -- set: a proxy-cache project in front of that endpoint
            repo_count BIGINT,
            owner_name VARCHAR,
            created_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ,
            retention_id BIGINT,
            metadata JSON,
            quota_hard_bytes BIGINT,      -- -1 = unlimited
            quota_used_bytes BIGINT,      -- a blob shared by projects counts once in EACH of them
            upstream JSON
        );

        CREATE TABLE harbor_quotas (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            quota_id BIGINT NOT NULL,
            project_id BIGINT,
            project_name VARCHAR,
            hard_storage_bytes BIGINT,
            used_storage_bytes BIGINT,
            created_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ
        );

        -- kind: retention | immutable | replication | scanner; policy is Harbor's JSON without credentials.
        CREATE TABLE harbor_policies (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            project_id BIGINT,
            project_name VARCHAR,
            policy_id VARCHAR,
            name VARCHAR,
            enabled BOOLEAN,
            policy JSON
        );

        -- Replication endpoints (also the upstreams of proxy-cache projects); keys and secrets never kept.
        CREATE TABLE harbor_registries (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            endpoint_id BIGINT NOT NULL,
            name VARCHAR,
            type VARCHAR,
            url VARCHAR,
            status VARCHAR,
            insecure BOOLEAN,
            credential_type VARCHAR
        );

        CREATE TABLE harbor_gc_runs (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            gc_id BIGINT NOT NULL,
            job_name VARCHAR,
            job_kind VARCHAR,
            job_status VARCHAR,
            schedule_type VARCHAR,
            created_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ,
            dry_run BOOLEAN,
            delete_untagged BOOLEAN,
            freed_space_bytes BIGINT,
            purged_blobs BIGINT,
            purged_manifests BIGINT,
            job_parameters JSON
        );

        -- Every scrape of a Prometheus endpoint keeps its timestamp: growth and pull rates are differences
        -- between scrapes of successive runs (the exporter's values are gauges of the moment).
        CREATE TABLE metrics_scrapes (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            scraped_at TIMESTAMPTZ NOT NULL,
            family VARCHAR NOT NULL,
            family_type VARCHAR,
            name VARCHAR NOT NULL,
            labels JSON,
            value DOUBLE
        );

        CREATE VIEW current_registry_repositories AS
        SELECT t.* FROM registry_repositories t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_registry_artifacts AS
        SELECT t.* FROM registry_artifacts t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_harbor_projects AS
        SELECT t.* FROM harbor_projects t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_harbor_quotas AS
        SELECT t.* FROM harbor_quotas t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_harbor_policies AS
        SELECT t.* FROM harbor_policies t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_harbor_registries AS
        SELECT t.* FROM harbor_registries t JOIN latest_registry_snapshots USING (run_id, registry);
        CREATE VIEW current_harbor_gc_runs AS
        SELECT t.* FROM harbor_gc_runs t JOIN latest_registry_snapshots USING (run_id, registry);
        """,
    ),
    (
        7,
        "Harbor: accessories (signatures, SBOMs, attestations), Harbor's type apart from artifact_type, physical note",
        """
        -- artifact_type held Harbor's `type` (IMAGE, CHART …); it now holds the manifest's artifactType (a media
        -- type) and Harbor's class moves to harbor_type. Rows written before: their value is moved over.
        ALTER TABLE registry_artifacts ADD COLUMN harbor_type VARCHAR;
        UPDATE registry_artifacts SET harbor_type = artifact_type, artifact_type = NULL
        WHERE artifact_type IS NOT NULL AND artifact_type NOT LIKE '%/%';

        -- Why physical_bytes is what it is when /statistics did not give it: the reason it is unknown and the
        -- fallback used (the exporter metric, or the blob sums of the manifests, a lower bound).
        ALTER TABLE registry_snapshots ADD COLUMN physical_note VARCHAR;

        -- Supply-chain artifacts attached to a subject artifact (Harbor ≥ 2.5 lists them with_accessory=true).
        CREATE TABLE registry_accessories (
            run_id BIGINT NOT NULL,
            registry VARCHAR NOT NULL,
            project VARCHAR,
            repository_name VARCHAR NOT NULL,
            subject_digest VARCHAR NOT NULL,
            accessory_digest VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,        -- signature | sbom | attestation | other
            harbor_type VARCHAR,          -- signature.cosign, signature.notation, harbor.sbom, subject.accessory …
            artifact_type VARCHAR,
            size_bytes BIGINT,
            created_at TIMESTAMPTZ
        );
        CREATE VIEW current_registry_accessories AS
        SELECT t.* FROM registry_accessories t JOIN latest_registry_snapshots USING (run_id, registry);
        """,
    ),
    (
        8,
        "what each cached manifest is: image, index or a supply-chain artifact (attestation, signature, SBOM)",
        """
        -- analysis.collectors.manifests.ParsedManifest.artifact_kind: image | index | artifact | attestation |
        -- signature | sbom | referrer. Manifests are cached forever and never fetched again, so the rows cached
        -- before this migration are classified here from what was kept: is_index, artifact_type and the layers'
        -- media types. Only `referrer` (a subject on an image-like manifest) cannot be recovered: the subject was
        -- not kept, such a manifest stays `image` / `artifact`.
        ALTER TABLE manifests ADD COLUMN artifact_kind VARCHAR;
        ALTER TABLE manifests ADD COLUMN subject_digest VARCHAR;
        ALTER TABLE manifest_children ADD COLUMN artifact_type VARCHAR;
        ALTER TABLE manifest_children ADD COLUMN reference_type VARCHAR;   -- buildx: attestation-manifest
        ALTER TABLE manifest_children ADD COLUMN reference_digest VARCHAR; -- the child it attests
        UPDATE manifests SET artifact_kind = CASE
            WHEN is_index THEN 'index'
            WHEN regexp_matches(coalesce(artifact_type, ''), 'spdx|cyclonedx|syft|sbom')
              OR digest IN (SELECT manifest_digest FROM manifest_layers
                            WHERE regexp_matches(coalesce(media_type, ''), 'spdx|cyclonedx|syft')) THEN 'sbom'
            WHEN regexp_matches(coalesce(artifact_type, ''), 'cosign|notary')
              OR digest IN (SELECT manifest_digest FROM manifest_layers
                            WHERE regexp_matches(coalesce(media_type, ''), 'simplesigning|notary')) THEN 'signature'
            WHEN digest IN (SELECT manifest_digest FROM manifest_layers
                            WHERE regexp_matches(coalesce(media_type, ''), 'in-toto|dsse')) THEN 'attestation'
            WHEN regexp_matches(coalesce(artifact_type, ''), 'sigstore') THEN 'signature'
            WHEN artifact_type IS NOT NULL THEN 'artifact'
            ELSE 'image' END;
        UPDATE manifest_children SET reference_type = 'attestation-manifest'
        WHERE platform_os = 'unknown' AND platform_architecture = 'unknown';
        """,
    ),
]
