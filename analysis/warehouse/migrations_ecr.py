"""Migrations of runs and the ECR snapshot: its tables and views, the profile tables, actual costs, carried parts.

Part of the warehouse's one ordered list of migrations (assembled in schema.py by version). An applied migration is
never edited: a change is a new migration with the next version, in the module of what it migrates.
"""

from __future__ import annotations

ECR_MIGRATIONS: list[tuple[int, str, str]] = [
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
        -- rows at 5M images). storage_billing.PROFILE_TABLES says how each is computed.

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
    (
        11,
        "profile blob tables: what the lifecycle's bytes freed and the migration waves need, derived with the profile",
        """
        -- Derived with the other profile tables (storage_billing.PROFILE_TABLES), so `lifecycle`, `plan` and `report`
        -- never group every blob reference of the estate again (tens of millions at 5M images, issue #20). "Active"
        -- here is the image's own status (ECR bills a blob in the archive class when no ACTIVE image of the
        -- repository references it), not the profile's, which lets an index's children inherit the index's.

        -- Per repository: unique blob bytes, those an ACTIVE image references and those none does (bytes, blobs),
        -- and the same of the blobs no other repository references ("solo": a wave copies them).
        CREATE TABLE profile_repository_blob_bytes (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            unique_bytes HUGEINT,
            active_bytes HUGEINT,
            active_blobs BIGINT,
            archived_bytes HUGEINT,
            archived_blobs BIGINT,
            solo_active_bytes HUGEINT,
            solo_active_blobs BIGINT,
            solo_archived_bytes HUGEINT,
            solo_archived_blobs BIGINT
        );

        -- Per image: the bytes of the blobs no other image of its repository references (what expiring it frees).
        CREATE TABLE profile_image_own_bytes (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            image_digest VARCHAR NOT NULL,
            own_bytes HUGEINT
        );

        -- Blobs that more than one image of a repository references, with how many references (and from
        -- ACTIVE images): such a blob is freed only when every image referencing it goes.
        CREATE TABLE profile_repository_shared_blobs (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            blob VARCHAR NOT NULL,
            size BIGINT,
            refs BIGINT,
            active_refs BIGINT
        );

        -- Blobs that more than one repository references, one row per repository: the first wave that copies
        -- one is decided across repositories; every other blob is copied by its repository's wave.
        CREATE TABLE profile_cross_repository_blobs (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            blob VARCHAR NOT NULL,
            size BIGINT,
            active BOOLEAN,
            first_pushed_at TIMESTAMPTZ
        );

        -- How many blobs each (repository, first push) row of bytes counts: with the blobs several repositories
        -- share, what lets a run's end rederive the global first push without grouping every blob again.
        ALTER TABLE profile_repository_first_push ADD COLUMN blobs BIGINT;

        -- Existing warehouses: forget the basis, so opening one derives every profile table, these included.
        DELETE FROM profile_basis;
        """,
    ),
]
