"""Portability: what the estate uses that ECR alone offers, and what moving it to Harbor takes.

Reads the warehouse (never AWS or Harbor) and the user's repositories of manifests; feeds migration effort
into the cost model through `analysis.portability.plan.migration_days`.

    lifecycle.py        ECR lifecycle policies: grammar, evaluation (as ECR applies them) on an image list
    inventory.py        the images, index children and blobs of the current snapshot, as DataFrames
    billing.py          bytes freed as ECR bills them (unique blobs per repository) and the monthly saving
    retention.py        lifecycle → Harbor retention rules; Harbor's retention evaluated on the same images
    translate.py        projects, immutability, replication, pull-through cache → Harbor (the whole design)
    harbor_payloads.py  the Harbor API payloads, validated against the official Swagger 2.0 spec
    references.py       the scan of every text file for ECR references (by ecosystem and form) and public upstreams
    reference.py        one reference found: file, line, span, kind, form, what it points at
    reference_files.py  the files a scan reads (binary, large, vendored ones skipped) and each one's ecosystem
    helm_values.py      templated references in a Helm chart resolved against its values.yaml
    rewrite.py          the unified diff that repoints references to Harbor
    finding.py          a finding: an ECR-specific feature in use, what Harbor offers instead, its effort (EFFORT)
    finding_rules.py    one rule per feature, registered with @rule; estate_findings runs them on the inventory
    findings.py         findings from outside the inventory: supply-chain artifacts, public upstream images
    scores.py           the portability summary: five rows scored 5 … 1 from counted evidence
    waves.py            migration waves: order, bytes copied, one-time cost
    plan.py             the whole plan, and the engineer-days it gives the cost model
    show.py             tables for the lifecycle, scan and plan commands
"""
