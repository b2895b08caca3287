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
]

# Tables whose rows belong to a run: cleared for a run that died midway.
RUN_TABLES = (
    "ecr_repositories",
    "ecr_images",
    "ecr_registries",
    "ecr_pull_through_cache_rules",
    "ecr_pull_counts",
)

LATEST_VERSION = MIGRATIONS[-1][0]
