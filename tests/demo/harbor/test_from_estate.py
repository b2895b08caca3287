"""Part of the demo estate as a Harbor holds it: the platform project and the pull-through cache as a proxy.

That the platform artifacts carry ECR's digests is tested in test_fake_harbor.py."""

from __future__ import annotations

from collections import Counter

from analysis.demo.estate import generate_estate
from analysis.demo.harbor import harbor_from_estate


def test_pull_counts_are_the_estate_s_pulls_and_the_cache_becomes_a_proxy_project() -> None:
    estate = generate_estate(seed=11, repositories=30, images=1_500)
    data = harbor_from_estate(estate, robot_secret="s")
    platform, cache = data.projects
    home = (estate.management_account, estate.regions[0])
    pulls: Counter[str] = Counter()
    for p in estate.pull_counts:
        if (p.account_id, p.region) == home:
            pulls[p.repository] += p.pulls
    assert platform.repositories and all(r.pull_count == pulls[r.name] for r in platform.repositories)
    # docker-hub/library/nginx (ECR's pull-through cache) → dockerhub-cache/library/nginx, proxying registry 1
    assert [r.name for r in cache.repositories] == ["dockerhub-cache/library/nginx"]
    assert cache.repositories[0].pull_count == pulls["docker-hub/library/nginx"]
    assert cache.registry_id == 1 and cache.public and data.registries[0]["type"] == "docker-hub"
    assert list(data.users) == ["robot$regcost-demo"] and not data.users["robot$regcost-demo"].sysadmin
