"""Part of the demo estate as a Harbor holds it: the same platform images, and the pull-through cache."""

from __future__ import annotations

from analysis.demo.estate import generate_estate
from analysis.demo.harbor import harbor_from_estate


def test_the_harbor_holds_the_home_platform_images_with_ecr_digests_and_the_cache_as_proxy() -> None:
    estate = generate_estate(seed=11, repositories=30, images=1_500)
    data = harbor_from_estate(estate, robot_secret="s")
    platform, cache = data.projects
    home = (estate.management_account, estate.regions[0])
    ecr = {
        (i.repository, i.digest)
        for i in estate.images
        if (i.account_id, i.region) == home and i.repository.startswith("platform/")
    }
    assert {(r.name, a.digest) for r in platform.repositories for a in r.artifacts} == ecr
    assert [r.name for r in cache.repositories] == ["dockerhub-cache/library/nginx"]
    assert cache.registry_id == 1 and cache.public and data.registries[0]["type"] == "docker-hub"
    assert list(data.users) == ["robot$regcost-demo"] and not data.users["robot$regcost-demo"].sysadmin
