"""The collected ECR configuration translated to Harbor: projects, retention, immutability, replication, proxy cache.

Repository name prefixes become projects: `payments/api` → project `payments`, repository `api`, so the image
`<account>.dkr.ecr.<region>.amazonaws.com/payments/api:1.2` becomes `HOST/payments/api:1.2` — same path. A
name without a `/` goes to Harbor's built-in project `library` (its path gains that component).

Repositories that exist only as ECR replication copies (a destination of the registry's replication rules)
are not migrated: the source is, and Harbor-to-Harbor replication replaces ECR's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.portability.inventory import SCOPE, Inventory
from analysis.portability.lifecycle import Policy, parse_policy
from analysis.portability.retention import HarborRule, Status, Translation, fit_to_limit, translate_policy

DEFAULT_PROJECT = "library"  # Harbor creates it at install; never POSTed
DR_REGISTRY_URL = "https://harbor-dr.example.internal"  # placeholder: your second Harbor (DR site)

# ECR pull-through cache upstreams → Harbor registry endpoint types (harbor-facts §1.6: the types permitted
# for proxy cache by default are docker-hub, harbor, azure-acr, ali-acr, aws-ecr, google-gcr, docker-registry,
# github-ghcr, jfrog-artifactory).
PROXY_TYPES: dict[str, tuple[str, str]] = {
    "docker-hub": ("docker-hub", ""),
    "github-container-registry": ("github-ghcr", ""),
    "azure-container-registry": ("azure-acr", ""),
    "ecr": ("aws-ecr", ""),
    "quay": ("quay", "quay is not in Harbor's default PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE: add it to core's env"),
    "ecr-public": (
        "docker-registry",
        "the aws-ecr adapter does not work with ECR Public; the docker-registry type does",
    ),
    "k8s": ("docker-registry", "registry.k8s.io through the generic docker-registry type"),
    "gitlab-container-registry": ("docker-registry", "GitLab's registry through the generic docker-registry type"),
    "chainguard": ("docker-registry", "cgr.dev through the generic docker-registry type"),
}


@dataclass
class ProjectPlan:
    name: str
    repositories: list[tuple[str, str, str]] = field(default_factory=list)  # (account, region, ECR name)
    auto_scan: bool = False
    retention: list[HarborRule] = field(default_factory=list)
    immutable: list[HarborRule] = field(default_factory=list)
    proxy: dict[str, Any] | None = None  # the pull-through cache rule it replaces


@dataclass
class HarborDesign:
    projects: dict[str, ProjectPlan]
    mapping: pd.DataFrame  # account, region, repository_name → project, harbor_repository, replica
    translations: list[Translation]
    registries: list[dict[str, Any]]  # endpoints: ECR sources, proxy upstreams, DR Harbor
    dr_policies: list[dict[str, Any]]
    policies: dict[tuple[str, str, str], Policy]  # parsed lifecycle policies by repository


def load_json(value: Any, default: Any) -> Any:
    """A JSON column value (None / NaN when absent) as Python; unreadable JSON counts as absent."""
    if value is None or (isinstance(value, float) and value != value):
        return default
    try:
        out = json.loads(value)
    except (TypeError, ValueError):
        return default
    return default if out is None else out


def split_name(name: str) -> tuple[str, str]:
    """ECR repository name → (Harbor project, repository inside the project)."""
    if "/" in name:
        project, rest = name.split("/", 1)
        return _project_name(project), rest
    return DEFAULT_PROJECT, name


def _project_name(text: str) -> str:
    # Harbor project names: lower case letters, digits and ._- (ECR names are already lower case)
    return re.sub(r"[^a-z0-9._-]", "-", text.lower())[:255] or DEFAULT_PROJECT


def replicas(inv: Inventory) -> pd.Series:
    """True for repositories that are copies made by the registry's replication rules."""
    repos = inv.repositories
    flag = pd.Series(False, index=repos.index)
    names_by_scope = repos.groupby(["account_id", "region"])["repository_name"].apply(set).to_dict()
    for reg in inv.registries.itertuples():
        for rule in load_json(reg.replication_rules, []):
            prefixes = [f["filter"] for f in rule.get("repositoryFilters", []) if f.get("filterType") == "PREFIX_MATCH"]
            for dest in rule.get("destinations", []):
                account = dest.get("registryId") or reg.account_id
                if (account, dest.get("region")) == (reg.account_id, reg.region):
                    continue
                source_names = names_by_scope.get((reg.account_id, reg.region), set())
                flag |= (
                    repos["account_id"].eq(account)
                    & repos["region"].eq(dest.get("region"))
                    & repos["repository_name"].isin(source_names)
                    & repos["repository_name"].map(lambda n, p=prefixes: not p or any(n.startswith(x) for x in p))
                )
    return flag


def design(inv: Inventory) -> HarborDesign:
    repos = inv.repositories.copy()
    repos["replica"] = replicas(inv).to_numpy()
    split = repos["repository_name"].map(split_name)
    repos["project"] = split.map(lambda s: s[0])
    repos["harbor_repository"] = split.map(lambda s: s[1])
    translations: list[Translation] = []
    _resolve_collisions(repos, translations)
    projects: dict[str, ProjectPlan] = {}
    for row in repos[~repos["replica"]].itertuples():
        p = projects.setdefault(row.project, ProjectPlan(row.project))
        p.repositories.append((row.account_id, row.region, row.repository_name))
        p.auto_scan |= bool(row.scan_on_push)
    translations += _project_translations(repos)
    policies = _retention(repos, projects, translations)
    _immutability(repos, projects, translations)
    registries = _source_registries(repos)
    registries += _proxy_cache(inv, projects, translations)
    dr = _dr_replication(inv, repos, translations)
    if dr:
        registries.append({"key": "harbor-dr", "name": "harbor-dr", "type": "harbor", "url": DR_REGISTRY_URL})
    repos["proxied"] = False
    for rule in inv.pull_through_cache.itertuples():
        repos["proxied"] |= (
            repos["account_id"].eq(rule.account_id)
            & repos["region"].eq(rule.region)
            & repos["repository_name"].str.startswith(rule.ecr_repository_prefix.rstrip("/") + "/")
        )
    mapping = repos[[*SCOPE, "project", "harbor_repository", "replica", "proxied"]].reset_index(drop=True)
    return HarborDesign(projects, mapping, translations, registries, dr, policies)


def _resolve_collisions(repos: pd.DataFrame, translations: list[Translation]) -> None:
    """The same name in two registries (not a replica) cannot share one Harbor path: the later one moves to
    a project suffixed with its account and region."""
    live = repos[~repos["replica"]]
    dup = live[live.duplicated("repository_name", keep="first")]
    for idx, row in dup.iterrows():
        project = _project_name(f"{row.project}-{row.account_id}-{row.region}")
        repos.loc[idx, "project"] = project
        translations.append(
            Translation(
                "project",
                f"{row.account_id}/{row.region}/{row.repository_name}",
                f"project {project}",
                "approximate",
                "the same repository name exists in another registry; its Harbor path differs from the ECR one",
            )
        )


def _project_translations(repos: pd.DataFrame) -> list[Translation]:
    out = []
    live = repos[~repos["replica"]]
    for project, group in live.groupby("project"):
        flat = group["repository_name"].map(lambda n: "/" not in n)
        status: Status = "exact"
        note = ""
        if flat.any():
            status = "approximate"
            note = f"{int(flat.sum())} name(s) without a prefix go to project {project}: their path gains '{project}/'"
        out.append(
            Translation(
                "project",
                f"{len(group)} repositories named {project}/…" if not flat.any() else f"{len(group)} repositories",
                f"project {project}",
                status,
                note,
            )
        )
    n_replicas = int(repos["replica"].sum())
    if n_replicas:
        out.append(
            Translation(
                "project",
                f"{n_replicas} replicated copies (ECR replication destinations)",
                "not migrated (their sources are)",
                "exact",
                "Harbor-to-Harbor replication to a DR site replaces ECR replication",
            )
        )
    return out


def _retention(repos: pd.DataFrame, projects: dict[str, ProjectPlan], translations: list[Translation]) -> dict:
    policies: dict[tuple[str, str, str], Policy] = {}
    live = repos[~repos["replica"] & repos["lifecycle_policy_text"].notna()]
    for project, group in live.groupby("project"):
        rules: list[HarborRule] = []
        for text, same in group.groupby("lifecycle_policy_text"):
            parsed = parse_policy(text)
            names = tuple(sorted(same["harbor_repository"]))
            label = f"{project}/{names[0]}" + (f" (+{len(names) - 1} with the same policy)" if len(names) > 1 else "")
            if not isinstance(parsed, Policy):
                translations.append(Translation("lifecycle", label, "nothing", "impossible", f"malformed: {parsed}"))
                continue
            for row in same.itertuples():
                policies[(row.account_id, row.region, row.repository_name)] = parsed
            r, t = translate_policy(parsed, names, label)
            rules += r
            translations += t
        fitted, notes = fit_to_limit(rules, project)
        projects[project].retention = fitted
        translations += notes
    return policies


def _immutability(repos: pd.DataFrame, projects: dict[str, ProjectPlan], translations: list[Translation]) -> None:
    live = repos[~repos["replica"] & repos["tag_mutability"].isin(["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"])]
    for project, group in live.groupby("project"):
        shapes: dict[tuple[str, str], list[str]] = {}
        for row in group.itertuples():
            excl = [f["filter"] for f in load_json(row.tag_mutability_exclusions, [])]
            if row.tag_mutability == "IMMUTABLE" or not excl:
                shape = ("matches", "**")
            else:
                shape = ("excludes", excl[0] if len(excl) == 1 else "{" + ",".join(sorted(excl)) + "}")
            shapes.setdefault(shape, []).append(row.harbor_repository)
        for (decoration, pattern), names in shapes.items():
            rule = HarborRule("immutable_template", None, decoration, pattern, False, tuple(sorted(names)))
            projects[project].immutable.append(rule)
            what = "IMMUTABLE" if decoration == "matches" else f"IMMUTABLE_WITH_EXCLUSION ({pattern})"
            translations.append(
                Translation(
                    "immutability",
                    f"{len(names)} repositories in {project}: {what}",
                    f"immutable tag rule: tags {decoration} {pattern}",
                    "exact",
                    "Harbor also blocks deletion of immutable tags by retention and replication",
                )
            )


def ecr_api_url(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://api.ecr.{region}.{suffix}"


def registry_key(account: str, region: str) -> str:
    return f"ecr-{account}-{region}"


def _source_registries(repos: pd.DataFrame) -> list[dict[str, Any]]:
    scopes = (
        repos.loc[~repos["replica"], ["account_id", "region"]].drop_duplicates().sort_values(["account_id", "region"])
    )
    return [
        {
            "key": registry_key(a, r),
            "name": registry_key(a, r),
            "type": "aws-ecr",
            "url": ecr_api_url(r),
            "description": f"ECR registry of account {a} in {r} (migration source; pull-based replication)",
            # An empty access key makes the adapter use the default AWS credential chain (harbor-facts §1.6):
            # run Harbor's jobservice with a read-only role in this account, or fill in a key in the UI.
            "credential": {"type": "basic", "access_key": "", "access_secret": ""},
        }
        for a, r in scopes.itertuples(index=False)
    ]


def _proxy_cache(inv: Inventory, projects: dict[str, ProjectPlan], translations: list[Translation]) -> list[dict]:
    out = []
    for rule in inv.pull_through_cache.itertuples():
        kind, caveat = PROXY_TYPES.get(rule.upstream_registry or "", ("docker-registry", "unknown upstream type"))
        url = rule.upstream_registry_url or ""
        if kind == "docker-hub":
            url = "https://hub.docker.com"
        elif not url.startswith("http"):
            url = f"https://{url}"
        key = f"proxy-{rule.account_id}-{rule.region}-{rule.ecr_repository_prefix}"
        out.append(
            {
                "key": key,
                "name": key,
                "type": kind,
                "url": url,
                "description": f"upstream of ECR pull-through cache {rule.ecr_repository_prefix}",
            }
        )
        project = _project_name(rule.ecr_repository_prefix.strip("/"))
        plan = projects.setdefault(project, ProjectPlan(project))
        plan.proxy = {"registry_key": key, "upstream": rule.upstream_registry, "credential_arn": rule.credential_arn}
        plan.repositories = []  # the cached repositories are refilled by the proxy, not copied
        notes = [
            "Harbor gives a proxy project a 7-day pull-based retention (nDaysSinceLastPull 7); ECR keeps cached "
            "images until a lifecycle policy expires them",
        ]
        if caveat:
            notes.append(caveat)
        if rule.credential_arn:
            notes.append(f"enter the upstream credentials (today in {rule.credential_arn}) in the Harbor endpoint")
        translations.append(
            Translation(
                "pull-through-cache",
                f"{rule.account_id}/{rule.region} prefix {rule.ecr_repository_prefix} → {rule.upstream_registry_url}",
                f"registry endpoint ({kind}) + proxy-cache project {project}",
                "approximate",
                "; ".join(notes),
            )
        )
    return out


def name_filter(prefixes: list[str]) -> str:
    """ECR PREFIX_MATCH filters as one Harbor name filter (doublestar over 'project/repository')."""
    if not prefixes:
        return "**"
    parts = []
    for p in sorted(prefixes):
        parts += [f"{p}**"] if p.endswith("/") else [f"{p}*", f"{p}*/**"]
    return parts[0] if len(parts) == 1 else "{" + ",".join(parts) + "}"


def _dr_replication(inv: Inventory, repos: pd.DataFrame, translations: list[Translation]) -> list[dict[str, Any]]:
    out = []
    for reg in inv.registries.itertuples():
        for i, rule in enumerate(load_json(reg.replication_rules, [])):
            prefixes = [f["filter"] for f in rule.get("repositoryFilters", []) if f.get("filterType") == "PREFIX_MATCH"]
            dests = [f"{d.get('registryId') or reg.account_id}/{d.get('region')}" for d in rule.get("destinations", [])]
            cross = "cross-account" if any(not d.startswith(reg.account_id) for d in dests) else "cross-region"
            name = f"dr-{reg.account_id}-{reg.region}-{i + 1}"
            out.append(
                {
                    "name": name,
                    "filter": name_filter(prefixes),
                    "delete": bool((rule.get("deleteReplication") or {}).get("enabled", False)),
                    "description": f"replaces ECR replication {reg.account_id}/{reg.region} → {', '.join(dests)}",
                }
            )
            translations.append(
                Translation(
                    "replication",
                    f"{reg.account_id}/{reg.region} rule {i + 1} ({cross}) → {', '.join(dests)}, "
                    f"filter {prefixes or 'all'}",
                    f"push replication (event_based) to a second Harbor, name filter {name_filter(prefixes)}",
                    "approximate",
                    "ECR replicates inside AWS to registries it runs; Harbor replicates to another Harbor you run "
                    "(a DR site), per project paths instead of account/region registries",
                )
            )
    return out
