"""Migrations of measurements (#13): pulls from CloudTrail and the trails checked, subnets, workload references.

Part of the warehouse's one ordered list of migrations (assembled in schema.py by version). An applied migration is
never edited: a change is a new migration with the next version, in the module of what it migrates.
"""

from __future__ import annotations

MEASUREMENT_MIGRATIONS: list[tuple[int, str, str]] = [
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
        12,
        "measurements (#13): where each pull came from (address, VPC endpoint) and the consumer split it measures",
        """
        -- The caller's sourceIPAddress and vpcEndpointId as CloudTrail recorded them (NULL: not recorded).
        ALTER TABLE trail_pull_events ADD COLUMN source_ip VARCHAR;
        ALTER TABLE trail_pull_events ADD COLUMN vpc_endpoint_id VARCHAR;

        -- Each distinct source of a run, classified (analysis/collectors/ip_ranges.py): private | aws |
        -- aws-service | aws-internal | outside-aws | unknown, the AWS region of an `aws` address, the ranges used.
        CREATE TABLE trail_sources (
            run_id BIGINT NOT NULL,
            source_ip VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            aws_region VARCHAR,
            ranges VARCHAR NOT NULL
        );
        CREATE VIEW current_trail_sources AS
        SELECT t.* FROM trail_sources t JOIN latest_trail_run USING (run_id);

        -- Layer bytes of the measured pulls by where the consumer sits relative to the repository's region
        -- (Assumptions.consumers), first rule that applies:
        --   1. a VPC endpoint id → same_region (endpoints do not take cross-region requests);
        --   2. the caller is an instance the network run found (role session i-…) → same or other region;
        --   3. the address: private (through an endpoint) or an AWS service → same_region; an AWS range →
        --      same or other region by the range's region; any other address → outside_aws;
        --   4. otherwise (`AWS Internal`, a GLOBAL range, no address) → unplaced: left out, never guessed.
        -- outside_aws is the internet and other clouds together: an address does not tell them apart.
        CREATE VIEW pull_bytes_by_consumer AS
        WITH layer_size AS (SELECT layer_digest, max(size) AS size FROM manifest_layers GROUP BY layer_digest),
        fetches AS (
            SELECT e.region, e.day, e.principal_account_id, e.source_ip, e.vpc_endpoint_id,
                   regexp_extract(e.principal_arn, '/(i-[0-9a-f]{8,17})$', 1) AS instance_id,
                   e.events, e.events * s.size AS bytes
            FROM current_trail_pull_events e LEFT JOIN layer_size s USING (layer_digest)
            WHERE e.event_name = 'GetDownloadUrlForLayer'
        ),
        placed AS (
            SELECT f.*, i.region AS instance_region, src.kind, src.aws_region
            FROM fetches f
            LEFT JOIN current_network_instances i
                   ON i.instance_id = f.instance_id AND i.account_id = f.principal_account_id
            LEFT JOIN current_trail_sources src ON src.source_ip = f.source_ip
        )
        SELECT region, day,
               CASE WHEN vpc_endpoint_id IS NOT NULL AND vpc_endpoint_id <> '' THEN 'same_region'
                    WHEN instance_region IS NOT NULL
                         THEN CASE WHEN instance_region = region THEN 'same_region' ELSE 'other_region' END
                    WHEN kind IN ('private', 'aws-service') THEN 'same_region'
                    WHEN kind = 'aws' AND aws_region = region THEN 'same_region'
                    WHEN kind = 'aws' AND aws_region IS NOT NULL THEN 'other_region'
                    WHEN kind = 'outside-aws' THEN 'outside_aws'
                    ELSE 'unplaced' END AS consumer,
               sum(events) AS layer_fetches, coalesce(sum(bytes), 0) AS bytes,
               coalesce(sum(events) FILTER (WHERE bytes IS NULL), 0) AS unsized_fetches
        FROM placed GROUP BY ALL;

        -- The bill's NAT gateway and VPC endpoint lines (collectors/cur.py network_lines), loaded by the same
        -- costs-cur run as ECR's lines: kind nat-bytes | endpoint-hours | endpoint-bytes | other.
        CREATE TABLE cost_network_lines (
            run_id BIGINT NOT NULL,
            month DATE NOT NULL,
            account_id VARCHAR,
            usage_type VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            region VARCHAR,
            quantity DOUBLE,
            unit VARCHAR,
            cost DOUBLE,
            currency VARCHAR
        );
        -- The newest CUR run's lines per month (as current_cost_months picks ECR's).
        CREATE VIEW current_network_bill AS
        SELECT n.*, m.estimated FROM cost_network_lines n
        JOIN current_cost_months m ON m.run_id = n.run_id AND m.month = n.month AND m.source = 'cur';
        """,
    ),
]
