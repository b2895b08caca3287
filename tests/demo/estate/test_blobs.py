"""Blobs of the demo estate: base-image layers are the same in every estate, fresh layers are never reused."""

from __future__ import annotations

import numpy as np

from analysis.demo.estate.blobs import RT_EVERY, BlobFactory


def test_base_layers_do_not_depend_on_the_seed_but_on_the_day_they_were_built() -> None:
    one, other = BlobFactory(np.random.default_rng(1)), BlobFactory(np.random.default_rng(2))
    assert one.base_layers("python3.12-slim", "amd64", 100, RT_EVERY) == other.base_layers(
        "python3.12-slim", "amd64", 100, RT_EVERY
    )
    # a runtime rebuilt (every 21 days) shares the OS layer (rebuilt every 35) but not its own layers
    # day 70 and day 91: the same OS build (70 // 35 = 91 // 35 = 2), another runtime build (70 // 21 = 3, 91 // 21 = 4)
    later = one.base_layers("python3.12-slim", "amd64", 70 + RT_EVERY, RT_EVERY)
    first = one.base_layers("python3.12-slim", "amd64", 70, RT_EVERY)
    assert later[0] == first[0] and later[1:] != first[1:]
    assert one.base_layers("python3.12-slim", "arm64", 70, RT_EVERY)[0] != first[0]  # per architecture


def test_fresh_blobs_are_unique_and_keep_their_size() -> None:
    blobs = BlobFactory(np.random.default_rng(3))
    digests = [blobs.new(1_000 + i) for i in range(5_000)]
    assert len(set(digests)) == 5_000
    assert blobs.blobs[digests[42]] == 1_042 and blobs.new(0) in blobs.blobs  # a size is at least one byte
