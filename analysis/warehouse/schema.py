"""Warehouse schema as an ordered list of migrations.

Each migration is applied once, in order, inside a transaction, and recorded in `schema_migrations`.
A new column or table is a new migration appended here; an applied migration is never edited, so a
warehouse written by an older regcost upgrades in place.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "runs, errors and the ECR snapshot tables",
        """
        CREATE SEQUENCE run_id_seq START 1;

        -- One row per collection. status: running → complete | partial | failed; a run found still
        -- 'running' when the next writer opens the file died midway and is marked 'aborted'.
        CREATE TABLE runs (
            run_id BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
            source VARCHAR NOT NULL,
            scope JSON,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status VARCHAR NOT NULL,
            counts JSON,
            regcost_version VARCHAR
        );

        -- One row per (run, account, region) that finished loading. Data rows of a scope are loaded in the
        -- same transaction as this row, so a scope is either entirely in the warehouse or not at all.
        CREATE TABLE run_scopes (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            status VARCHAR NOT NULL,          -- complete | partial (some repositories or operations failed)
            finished_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (run_id, account_id, region)
        );

        CREATE TABLE collection_errors (
            run_id BIGINT NOT NULL,
            account_id VARCHAR,
            region VARCHAR,
            repository VARCHAR,
            operation VARCHAR NOT NULL,
            error_code VARCHAR NOT NULL,
            message VARCHAR,
            occurred_at TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE ecr_repositories (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            repository_arn VARCHAR,
            repository_uri VARCHAR,
            created_at TIMESTAMPTZ,
            tag_mutability VARCHAR,
            tag_mutability_exclusions JSON,
            scan_on_push BOOLEAN,
            encryption_type VARCHAR,
            kms_key VARCHAR,
            resource_tags JSON,
            lifecycle_policy_text VARCHAR,
            lifecycle_policy_evaluated_at TIMESTAMPTZ,
            repository_policy_text VARCHAR,
            settings_fetched_at TIMESTAMPTZ
        );

        -- imageSizeInBytes is kept as ECR reports it: NOT additive (shared layers, index = largest child).
        CREATE TABLE ecr_images (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            image_digest VARCHAR NOT NULL,
            image_tags VARCHAR[],
            image_size_bytes BIGINT,
            pushed_at TIMESTAMPTZ,
            last_pull_at TIMESTAMPTZ,
            image_status VARCHAR,
            manifest_media_type VARCHAR,
            artifact_media_type VARCHAR,
            last_archived_at TIMESTAMPTZ,
            last_activated_at TIMESTAMPTZ
        );

        CREATE TABLE ecr_registries (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            replication_rules JSON,
            scanning_configuration JSON,
            blob_mounting VARCHAR,
            pull_time_update_exclusions JSON,
            registry_policy_text VARCHAR
        );

        CREATE TABLE ecr_pull_through_cache_rules (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            ecr_repository_prefix VARCHAR NOT NULL,
            upstream_registry_url VARCHAR,
            upstream_registry VARCHAR,
            upstream_repository_prefix VARCHAR,
            credential_arn VARCHAR,
            created_at TIMESTAMPTZ
        );

        -- CloudWatch AWS/ECR RepositoryPullCount, daily sums.
        CREATE TABLE ecr_pull_counts (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            day DATE NOT NULL,
            pulls DOUBLE NOT NULL
        );

        -- Manifests are content-addressed: a digest names its bytes forever, so they are cached globally
        -- (no run id) and fetched once ever. Rows of one digest are written in one transaction.
        CREATE TABLE manifests (
            digest VARCHAR PRIMARY KEY,
            media_type VARCHAR,
            artifact_type VARCHAR,
            config_digest VARCHAR,
            config_size BIGINT,
            manifest_size BIGINT NOT NULL,
            is_index BOOLEAN NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL
        );

        CREATE TABLE manifest_layers (
            manifest_digest VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            layer_digest VARCHAR NOT NULL,
            size BIGINT NOT NULL,
            media_type VARCHAR
        );

        CREATE TABLE manifest_children (
            index_digest VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            child_digest VARCHAR NOT NULL,
            size BIGINT,
            media_type VARCHAR,
            platform_os VARCHAR,
            platform_architecture VARCHAR,
            platform_variant VARCHAR
        );
        """,
    ),
    (
        2,
        "views over the latest good snapshot of every (account, region)",
        """
        -- The current snapshot of a scope is its newest run_scopes row whose run ended (not running,
        -- not aborted). A failed or killed run never hides the last good snapshot.
        CREATE VIEW latest_scopes AS
        SELECT account_id, region, run_id, status, finished_at
        FROM (
            SELECT s.*, row_number() OVER (PARTITION BY s.account_id, s.region
                                           ORDER BY s.finished_at DESC, s.run_id DESC) AS rn
            FROM run_scopes s JOIN runs r USING (run_id)
            WHERE r.status IN ('complete', 'partial', 'failed')
        ) WHERE rn = 1;

        CREATE VIEW current_ecr_repositories AS
        SELECT t.* FROM ecr_repositories t JOIN latest_scopes USING (run_id, account_id, region);
        CREATE VIEW current_ecr_images AS
        SELECT t.* FROM ecr_images t JOIN latest_scopes USING (run_id, account_id, region);
        CREATE VIEW current_ecr_registries AS
        SELECT t.* FROM ecr_registries t JOIN latest_scopes USING (run_id, account_id, region);
        CREATE VIEW current_ecr_pull_through_cache_rules AS
        SELECT t.* FROM ecr_pull_through_cache_rules t JOIN latest_scopes USING (run_id, account_id, region);
        CREATE VIEW current_ecr_pull_counts AS
        SELECT t.* FROM ecr_pull_counts t JOIN latest_scopes USING (run_id, account_id, region);
        """,
    ),
    (
        3,
        "registry settings carry their fetch time, so a warm run can reuse them within --settings-max-age",
        """
        ALTER TABLE ecr_registries ADD COLUMN settings_fetched_at TIMESTAMPTZ;
        CREATE OR REPLACE VIEW current_ecr_registries AS
        SELECT t.* FROM ecr_registries t JOIN latest_scopes USING (run_id, account_id, region);
        """,
    ),
    (
        4,
        "profile tables: the current snapshot's blob aggregates, derived when a run finishes",
        """
        -- Derived, never collected: rebuilt from the current snapshot and the manifest cache by
        -- Warehouse.refresh_profile_tables (when a run finishes, and after an upgrade), so an estimate reads
        -- per-repository aggregates instead of re-joining every image with every layer (tens of millions of
        -- rows at 5M images). PROFILE_TABLES below says how each is computed.

        -- The snapshot the profile tables were derived from: the latest_scopes rows then, and row counts of
        -- what they were derived from. A reader uses the tables only while this still matches.
        CREATE TABLE profile_basis (
            run_id BIGINT,
            account_id VARCHAR,
            region VARCHAR,
            images BIGINT NOT NULL,
            manifests BIGINT NOT NULL,
            manifest_layers BIGINT NOT NULL,
            manifest_children BIGINT NOT NULL
        );

        -- One row per current image, with what its index gives it: children of an index inherit the
        -- index's tags, pull time and active status (they are pulled through it and kept by it).
        CREATE TABLE profile_images (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            image_size_bytes BIGINT,
            pushed_at TIMESTAMPTZ,
            archived BOOLEAN,
            kept_by_tag BOOLEAN,
            effective_pull_at TIMESTAMPTZ,
            is_child BOOLEAN
        );

        -- Unique blobs (layers, configs, manifests) of each repository, in bytes, by state.
        CREATE TABLE profile_repository_storage (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            unique_bytes HUGEINT,
            standard_bytes HUGEINT,
            archive_bytes HUGEINT,
            untagged_bytes HUGEINT,
            never_pulled_bytes HUGEINT
        );

        -- A repository's unique blob bytes by when the first image referencing them was pushed (growth is a
        -- window ending at the estimate's `now`, so it is summed at read time).
        CREATE TABLE profile_repository_first_push (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            first_pushed_at TIMESTAMPTZ,
            bytes HUGEINT
        );

        -- Unique blob bytes of each (account, region) registry: what ECR bills with BLOB_MOUNTING=ENABLED.
        CREATE TABLE profile_scope_storage (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            scope_unique_bytes HUGEINT,
            scope_standard_bytes HUGEINT
        );

        -- Globally unique blob bytes (what one self-hosted registry stores) by first push.
        CREATE TABLE profile_global_first_push (
            first_pushed_at TIMESTAMPTZ,
            bytes HUGEINT
        );
        """,
    ),
    (
        5,
        "actual costs: Cost Explorer responses, months fetched and normalised cost lines (CE and CUR)",
        """
        -- Every Cost Explorer page as AWS returned it (each one was a billed request), so the normalised rows
        -- can be rebuilt without paying again. CUR/FOCUS loads record the files read instead.
        CREATE TABLE cost_responses (
            run_id BIGINT NOT NULL,
            source VARCHAR NOT NULL,          -- ce | ce-by-account | cur
            request JSON,
            response JSON,
            fetched_at TIMESTAMPTZ NOT NULL
        );

        -- The months a run fetched for a source. A month whose newest row is not estimated is closed: Cost
        -- Explorer is never asked for it again.
        CREATE TABLE cost_months (
            run_id BIGINT NOT NULL,
            source VARCHAR NOT NULL,
            month DATE NOT NULL,
            estimated BOOLEAN NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL
        );

        -- One row per (month, account, usage type) of ECR's bill. Storage quantities are GB-months (the
        -- month's byte-hours), transfer quantities GB; usage_class and region come from the usage type.
        CREATE TABLE cost_lines (
            run_id BIGINT NOT NULL,
            source VARCHAR NOT NULL,
            month DATE NOT NULL,
            account_id VARCHAR,               -- NULL when not grouped by linked account
            usage_type VARCHAR NOT NULL,
            usage_class VARCHAR NOT NULL,     -- storage | archive | retrieval | egress-internet | inter-region-out
                                              -- | inter-region-in | regional | other
            region VARCHAR,
            peer_region VARCHAR,              -- the other side of an inter-region line
            quantity DOUBLE,
            unit VARCHAR,
            cost DOUBLE,
            currency VARCHAR,
            estimated BOOLEAN NOT NULL
        );

        -- Per source and month, the newest fetch of a run that ended well.
        CREATE VIEW current_cost_months AS
        SELECT source, month, run_id, estimated, fetched_at FROM (
            SELECT m.*, row_number() OVER (PARTITION BY m.source, m.month
                                           ORDER BY m.fetched_at DESC, m.run_id DESC) AS rn
            FROM cost_months m JOIN runs r USING (run_id)
            WHERE r.status IN ('complete', 'partial')
        ) WHERE rn = 1;

        CREATE VIEW current_cost_lines AS
        SELECT l.* FROM cost_lines l JOIN current_cost_months m USING (source, month, run_id);
        """,
    ),
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
    (
        9,
        "measurements (#13): pulls from CloudTrail, the trails that hold them, and what they measure",
        """
        -- Normalised pull events (analysis/collectors/cloudtrail.py EVENT_SCHEMA): one row per day,
        -- repository, principal, event and image/layer reference, with how many events it stands for.
        CREATE TABLE trail_pull_events (
            run_id BIGINT NOT NULL,
            source VARCHAR NOT NULL,          -- trail-folder | trail-s3 | lookup-events
            day DATE NOT NULL,
            account_id VARCHAR,               -- the registry that owns the repository
            region VARCHAR,
            repository_name VARCHAR NOT NULL,
            event_name VARCHAR NOT NULL,      -- BatchGetImage | GetDownloadUrlForLayer
            image_tag VARCHAR,
            image_digest VARCHAR,
            layer_digest VARCHAR,
            principal_arn VARCHAR,
            principal_account_id VARCHAR,
            events BIGINT NOT NULL
        );

        -- Each trail seen, and whether its selectors let it contain pulls (read-only management events).
        CREATE TABLE trail_checks (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            home_region VARCHAR,
            s3_bucket VARCHAR,
            s3_prefix VARCHAR,
            multi_region BOOLEAN,
            organization BOOLEAN,
            logging BOOLEAN,
            read_write VARCHAR,
            can_hold_pulls BOOLEAN NOT NULL,
            reason VARCHAR
        );

        -- The newest finished CloudTrail run is the current measurement (its window is in runs.scope).
        CREATE VIEW latest_trail_run AS
        SELECT run_id, scope, finished_at FROM runs
        WHERE source = 'cloudtrail' AND status IN ('complete', 'partial')
        ORDER BY finished_at DESC, run_id DESC LIMIT 1;
        CREATE VIEW current_trail_pull_events AS
        SELECT t.* FROM trail_pull_events t JOIN latest_trail_run USING (run_id);
        CREATE VIEW current_trail_checks AS
        SELECT t.* FROM trail_checks t JOIN latest_trail_run USING (run_id);

        -- Per repository and day: pulls, layer fetches, bytes actually pulled and the layer-cache hit ratio.
        -- A pull is a BatchGetImage of an image manifest (an index's BatchGetImage is followed by its child's:
        -- counted once, on the child). Layers a puller had cached produce no GetDownloadUrlForLayer, so
        --   hit ratio by count = 1 - layer fetches / layers of the pulled manifests,
        --   hit ratio by bytes = 1 - bytes fetched / bytes of the pulled manifests.
        -- Sizes come from the cached manifests; a pull or a fetch whose manifest or layer is not cached is
        -- counted in unresolved_pulls / unsized_fetches, never as zero bytes. Tags are resolved against the
        -- current snapshot (a tag moved since the pull resolves to its new image).
        CREATE VIEW pull_measurements AS
        WITH ev AS (SELECT * FROM current_trail_pull_events),
        layer_size AS (SELECT layer_digest, max(size) AS size FROM manifest_layers GROUP BY layer_digest),
        manifest_totals AS (
            SELECT m.digest, m.is_index, count(l.layer_digest) AS layers, coalesce(sum(l.size), 0) AS bytes
            FROM manifests m LEFT JOIN manifest_layers l ON l.manifest_digest = m.digest
            GROUP BY m.digest, m.is_index
        ),
        tags AS (
            SELECT DISTINCT account_id, region, repository_name, unnest(image_tags) AS tag, image_digest
            FROM current_ecr_images
        ),
        gets AS (
            SELECT e.account_id, e.region, e.repository_name, e.day, e.events, mt.is_index, mt.layers, mt.bytes
            FROM ev e
            LEFT JOIN tags t ON e.image_digest IS NULL AND t.account_id = e.account_id AND t.region = e.region
                 AND t.repository_name = e.repository_name AND t.tag = e.image_tag
            LEFT JOIN manifest_totals mt ON mt.digest = coalesce(e.image_digest, t.image_digest)
            WHERE e.event_name = 'BatchGetImage'
        ),
        pulls AS (
            SELECT account_id, region, repository_name, day,
                   sum(events) FILTER (WHERE NOT coalesce(is_index, false)) AS pulls,
                   coalesce(sum(events) FILTER (WHERE is_index IS NULL), 0) AS unresolved_pulls,
                   coalesce(sum(events * layers) FILTER (WHERE NOT is_index), 0) AS layers_requested,
                   coalesce(sum(events * bytes) FILTER (WHERE NOT is_index), 0) AS bytes_requested
            FROM gets GROUP BY ALL
        ),
        fetches AS (
            SELECT e.account_id, e.region, e.repository_name, e.day,
                   sum(e.events) AS layer_fetches,
                   coalesce(sum(e.events * s.size), 0) AS bytes_pulled,
                   coalesce(sum(e.events) FILTER (WHERE s.size IS NULL), 0) AS unsized_fetches
            FROM ev e LEFT JOIN layer_size s USING (layer_digest)
            WHERE e.event_name = 'GetDownloadUrlForLayer' GROUP BY ALL
        ),
        who AS (
            SELECT account_id, region, repository_name, day,
                   count(DISTINCT principal_arn) AS principals,
                   count(DISTINCT principal_account_id) AS pulling_accounts
            FROM ev GROUP BY ALL
        )
        SELECT account_id, region, repository_name, day,
               coalesce(p.pulls, 0) AS pulls, coalesce(p.unresolved_pulls, 0) AS unresolved_pulls,
               coalesce(f.layer_fetches, 0) AS layer_fetches,
               coalesce(p.layers_requested, 0) AS layers_requested,
               coalesce(f.bytes_pulled, 0) AS bytes_pulled,
               coalesce(f.unsized_fetches, 0) AS unsized_fetches,
               coalesce(p.bytes_requested, 0) AS bytes_requested,
               CASE WHEN p.layers_requested > 0
                    THEN 1 - coalesce(f.layer_fetches, 0) / p.layers_requested END AS hit_ratio_count,
               CASE WHEN p.bytes_requested > 0
                    THEN 1 - coalesce(f.bytes_pulled, 0) / p.bytes_requested END AS hit_ratio_bytes,
               w.principals, w.pulling_accounts
        FROM who w
        LEFT JOIN pulls p USING (account_id, region, repository_name, day)
        LEFT JOIN fetches f USING (account_id, region, repository_name, day);

        -- The network path of every subnet (analysis/collectors/network.py), and where pulling instances run.
        CREATE TABLE network_subnets (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            vpc_id VARCHAR NOT NULL,
            subnet_id VARCHAR NOT NULL,
            availability_zone VARCHAR,
            route_table_id VARCHAR,
            layer_path VARCHAR NOT NULL,      -- gateway-endpoint | nat | internet-gateway | transit-gateway | none
            registry_path VARCHAR NOT NULL,   -- interface-endpoint | nat | internet-gateway | transit-gateway | none
            nat_gateway_id VARCHAR,
            has_ecr_dkr_endpoint BOOLEAN,
            has_ecr_api_endpoint BOOLEAN,
            has_s3_gateway_endpoint BOOLEAN
        );
        CREATE TABLE network_instances (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            instance_id VARCHAR NOT NULL,
            subnet_id VARCHAR,
            vpc_id VARCHAR
        );
        CREATE VIEW latest_network_run AS
        SELECT run_id FROM runs WHERE source = 'network' AND status IN ('complete', 'partial')
        ORDER BY finished_at DESC, run_id DESC LIMIT 1;
        CREATE VIEW current_network_subnets AS
        SELECT t.* FROM network_subnets t JOIN latest_network_run USING (run_id);
        CREATE VIEW current_network_instances AS
        SELECT t.* FROM network_instances t JOIN latest_network_run USING (run_id);

        -- Layer bytes of the measured pulls by the path they took: a fetch is placed through its caller's
        -- instance (role session name i-…) → subnet → layer path; a caller that is not an instance, or an
        -- instance gone since, is 'unplaced' (Fargate, Lambda, people): never assumed to be on either path.
        CREATE VIEW pull_bytes_by_path AS
        WITH layer_size AS (SELECT layer_digest, max(size) AS size FROM manifest_layers GROUP BY layer_digest),
        fetches AS (
            SELECT e.account_id, e.region, e.day, e.principal_account_id,
                   regexp_extract(e.principal_arn, '/(i-[0-9a-f]{8,17})$', 1) AS instance_id,
                   e.events, e.events * s.size AS bytes
            FROM current_trail_pull_events e LEFT JOIN layer_size s USING (layer_digest)
            WHERE e.event_name = 'GetDownloadUrlForLayer'
        )
        SELECT f.region, f.day, coalesce(n.layer_path, 'unplaced') AS layer_path,
               sum(f.events) AS layer_fetches, coalesce(sum(f.bytes), 0) AS bytes,
               count(DISTINCT nullif(f.instance_id, '')) AS instances
        FROM fetches f
        LEFT JOIN current_network_instances i
               ON i.instance_id = f.instance_id AND i.region = f.region AND i.account_id = f.principal_account_id
        LEFT JOIN current_network_subnets n ON n.subnet_id = i.subnet_id AND n.region = i.region
        GROUP BY ALL;

        -- Workloads and the images they run (analysis/collectors/workloads.py). bound_to_ecr: an ECR-only
        -- service (Lambda, App Runner, EMR Serverless) uses the repository, which therefore cannot leave ECR.
        CREATE TABLE workload_refs (
            run_id BIGINT NOT NULL,
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            service VARCHAR NOT NULL,
            resource VARCHAR NOT NULL,
            image_uri VARCHAR,
            is_ecr BOOLEAN NOT NULL,
            registry_account VARCHAR,
            registry_region VARCHAR,
            repository_name VARCHAR,
            image_tag VARCHAR,
            image_digest VARCHAR,
            bound_to_ecr BOOLEAN NOT NULL,
            note VARCHAR
        );
        CREATE VIEW latest_workloads_run AS
        SELECT run_id FROM runs WHERE source = 'workloads' AND status IN ('complete', 'partial')
        ORDER BY finished_at DESC, run_id DESC LIMIT 1;
        CREATE VIEW current_workload_refs AS
        SELECT t.* FROM workload_refs t JOIN latest_workloads_run USING (run_id);
        -- Repositories that must stay on ECR, with the workloads that bind them.
        CREATE VIEW ecr_bound_repositories AS
        SELECT registry_account AS account_id, registry_region AS region, repository_name,
               list(DISTINCT service ORDER BY service) AS services, count(DISTINCT resource) AS workloads
        FROM current_workload_refs WHERE bound_to_ecr
        GROUP BY ALL;
        """,
    ),
    (
        10,
        "carried parts: what a run could not read, whose last good value it kept (and how old that is)",
        """
        -- One row per part a run could not read: the scope, or within a loaded scope a repository's images, pulls,
        -- tags, lifecycle or repository policy, or one registry setting (part 'registry:<Operation>'). The run's
        -- snapshot holds the last good value of the part (copied from the snapshot before), read by run
        -- from_run_id at read_at; from_run_id NULL means there was none: the part is missing.
        CREATE TABLE carried_parts (
            run_id BIGINT NOT NULL,
            account_id VARCHAR,
            region VARCHAR,
            part VARCHAR NOT NULL,
            repository VARCHAR,
            operation VARCHAR,
            error_code VARCHAR,
            message VARCHAR,
            from_run_id BIGINT,
            read_at TIMESTAMPTZ
        );

        -- The carried parts behind the current snapshot: those of each scope's current run, and a whole scope
        -- whose newest attempt failed (its current snapshot is then an older run's).
        CREATE VIEW current_carried_parts AS
        SELECT c.* FROM carried_parts c JOIN latest_scopes USING (run_id, account_id, region)
        UNION ALL
        SELECT * FROM (
            SELECT c.* FROM carried_parts c JOIN runs r USING (run_id)
            LEFT JOIN latest_scopes s ON s.account_id = c.account_id AND s.region = c.region
            WHERE c.part = 'scope' AND r.status IN ('complete', 'partial', 'failed')
              AND (s.run_id IS NULL OR c.run_id > s.run_id)
            QUALIFY row_number() OVER (PARTITION BY c.account_id, c.region ORDER BY c.run_id DESC) = 1
        );
        """,
    ),
]

# How the profile tables of migration 4 are derived, in order. Each statement is a SELECT over the current
# snapshot, the manifest cache and the relations before it, named by {placeholders}: the writer fills the
# profile_* tables with them; a reader whose profile tables are stale runs them into temp tables instead.
# `img` keeps the image digest (to join manifests) and `repo_blobs` holds one row per (repository, blob);
# both are intermediate and never stored.
PROFILE_TABLES: list[tuple[str, str]] = [
    (
        "img",
        """
        WITH img AS (
            SELECT account_id, region, repository_name, image_digest, image_size_bytes, pushed_at,
                   image_status = 'ARCHIVED' AS archived,
                   len(image_tags) > 0 AS tagged,
                   last_pull_at
            FROM current_ecr_images
        ),
        parent AS (  -- the strongest keep-signal an index gives its children in the same repository
            SELECT i.account_id, i.region, i.repository_name, c.child_digest,
                   bool_or(i.tagged) AS tagged, max(i.last_pull_at) AS last_pull_at,
                   bool_or(NOT i.archived) AS active
            FROM img i JOIN manifest_children c ON c.index_digest = i.image_digest
            GROUP BY ALL
        )
        SELECT img.account_id, img.region, img.repository_name, img.image_digest, img.image_size_bytes,
               img.pushed_at,
               img.archived AND NOT coalesce(p.active, false) AS archived,
               img.tagged OR coalesce(p.tagged, false) AS kept_by_tag,
               greatest(img.last_pull_at, p.last_pull_at) AS effective_pull_at,
               p.child_digest IS NOT NULL AS is_child
        FROM img LEFT JOIN parent p
          ON p.account_id = img.account_id AND p.region = img.region
         AND p.repository_name = img.repository_name AND p.child_digest = img.image_digest
        """,
    ),
    (
        "repo_blobs",
        """
        WITH refs AS (
            SELECT i.*, l.layer_digest AS blob, l.size
            FROM {img} i JOIN manifest_layers l ON l.manifest_digest = i.image_digest
            UNION ALL
            SELECT i.*, m.config_digest, m.config_size FROM {img} i JOIN manifests m ON m.digest = i.image_digest
            WHERE m.config_digest IS NOT NULL
            UNION ALL
            SELECT i.*, m.digest, m.manifest_size FROM {img} i JOIN manifests m ON m.digest = i.image_digest
        )
        SELECT account_id, region, repository_name, blob, any_value(size) AS size,
               bool_or(NOT archived) AS active,
               bool_or(kept_by_tag) AS tagged,
               bool_or(effective_pull_at IS NOT NULL) AS pulled,
               min(pushed_at) AS first_pushed_at
        FROM refs GROUP BY account_id, region, repository_name, blob
        """,
    ),
    (
        "profile_images",
        """
        SELECT account_id, region, repository_name, image_size_bytes, pushed_at, archived, kept_by_tag,
               effective_pull_at, is_child
        FROM {img}
        """,
    ),
    (
        "profile_repository_storage",
        """
        SELECT account_id, region, repository_name,
               sum(size) AS unique_bytes,
               sum(size) FILTER (WHERE active) AS standard_bytes,
               sum(size) FILTER (WHERE NOT active) AS archive_bytes,
               sum(size) FILTER (WHERE NOT tagged) AS untagged_bytes,
               sum(size) FILTER (WHERE NOT pulled) AS never_pulled_bytes
        FROM {repo_blobs} GROUP BY account_id, region, repository_name
        """,
    ),
    (
        "profile_repository_first_push",
        """
        SELECT account_id, region, repository_name, first_pushed_at, sum(size) AS bytes
        FROM {repo_blobs} GROUP BY account_id, region, repository_name, first_pushed_at
        ORDER BY first_pushed_at NULLS FIRST
        """,
    ),
    (
        "profile_scope_storage",
        """
        SELECT account_id, region, sum(size) AS scope_unique_bytes,
               sum(size) FILTER (WHERE active) AS scope_standard_bytes
        FROM (SELECT account_id, region, blob, any_value(size) AS size, bool_or(active) AS active
              FROM {repo_blobs} GROUP BY account_id, region, blob)
        GROUP BY account_id, region
        """,
    ),
    (
        "profile_global_first_push",
        """
        SELECT first_pushed_at, sum(size) AS bytes
        FROM (SELECT blob, any_value(size) AS size, min(first_pushed_at) AS first_pushed_at
              FROM {repo_blobs} GROUP BY blob)
        GROUP BY first_pushed_at ORDER BY first_pushed_at NULLS FIRST
        """,
    ),
]

# What the profile tables were derived from; compared with PROFILE_BASIS_NOW by readers.
PROFILE_BASIS_NOW = """
SELECT s.run_id, s.account_id, s.region, c.images, c.manifests, c.manifest_layers, c.manifest_children
FROM (SELECT (SELECT count(*) FROM current_ecr_images) AS images,
             (SELECT count(*) FROM manifests) AS manifests,
             (SELECT count(*) FROM manifest_layers) AS manifest_layers,
             (SELECT count(*) FROM manifest_children) AS manifest_children) c
LEFT JOIN latest_scopes s ON true
"""

# True when the profile tables still describe the current snapshot (and were derived at all).
PROFILE_FRESH = f"""
WITH now AS ({PROFILE_BASIS_NOW})
SELECT (SELECT count(*) FROM profile_basis) > 0
   AND NOT EXISTS (SELECT * FROM now EXCEPT SELECT * FROM profile_basis)
   AND NOT EXISTS (SELECT * FROM profile_basis EXCEPT SELECT * FROM now)
"""

PROFILE_TABLE_NAMES = tuple(name for name, _ in PROFILE_TABLES if name.startswith("profile_"))

# Tables whose rows belong to a run: cleared for a run that died midway.
RUN_TABLES = (
    "carried_parts",
    "cost_responses",
    "cost_months",
    "cost_lines",
    "ecr_repositories",
    "ecr_images",
    "ecr_registries",
    "ecr_pull_through_cache_rules",
    "ecr_pull_counts",
    "registry_snapshots",
    "registry_repositories",
    "registry_artifacts",
    "harbor_projects",
    "harbor_quotas",
    "harbor_policies",
    "harbor_registries",
    "harbor_gc_runs",
    "metrics_scrapes",
    "registry_accessories",
    "trail_pull_events",
    "trail_checks",
    "network_subnets",
    "network_instances",
    "workload_refs",
)

LATEST_VERSION = MIGRATIONS[-1][0]
