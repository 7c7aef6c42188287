"""The per-site CIDR allocator: deterministic, never overlapping, honours reserved blocks."""

from __future__ import annotations

from ipaddress import IPv4Network
from itertools import combinations

import pytest

from locus_iac.errors import Conflict, ValidationError
from locus_iac.infra import CidrAllocator, allocate_cidrs

POOL = IPv4Network("10.100.0.0/16")


def test_fifty_links_get_disjoint_blocks_inside_the_pool() -> None:
    keys = [f"vl-{i}" for i in range(50)]
    blocks = allocate_cidrs(POOL, keys)
    assert list(blocks) == keys
    assert all(b.prefixlen == 24 and b.subnet_of(POOL) for b in blocks.values())
    for a, b in combinations(blocks.values(), 2):
        assert not a.overlaps(b), (a, b)


def test_allocation_is_deterministic() -> None:
    keys = [f"vl-{i}" for i in range(10)]
    assert allocate_cidrs(POOL, keys) == allocate_cidrs(POOL, keys)


def test_reserved_blocks_are_skipped() -> None:
    reserved = [IPv4Network("10.100.0.0/23"), IPv4Network("10.100.3.128/25")]
    blocks = allocate_cidrs(POOL, ["a", "b", "c"], reserved=reserved)
    assert [str(b) for b in blocks.values()] == ["10.100.2.0/24", "10.100.4.0/24", "10.100.5.0/24"]
    assert not any(b.overlaps(r) for b in blocks.values() for r in reserved)


def test_same_key_gets_the_same_block() -> None:
    allocator = CidrAllocator(POOL, prefix=28)
    first = allocator.allocate("cache")
    assert allocator.allocate("cache") == first
    assert allocator.allocate("user") != first
    assert allocator.allocated() == {"cache": first, "user": IPv4Network("10.100.0.16/28")}


def test_exhausted_pool_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="no free /26"):
        allocate_cidrs(IPv4Network("192.168.0.0/24"), ["a", "b", "c", "d", "e"], prefix=26)


def test_prefix_shorter_than_the_pool_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        CidrAllocator(IPv4Network("192.168.0.0/24"), prefix=20)
    assert err.value.issues[0].code == "bad-prefix"
