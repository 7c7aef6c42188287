"""Deterministic, non-overlapping CIDR allocation for virtual links (per site).

Every VL the MANO creates at a site (an OpenStack self-service subnet, a Multus NAD's IPAM
range) gets a block carved out of the site's ``cidr_pool`` (seed §3.2.2 self-service
networks, §3.2.3 macvlan). The allocation is a pure function of its inputs: the pool, the
prefix length, the blocks already in use at the site (other NS instances, the VPN transit
network) and the VL keys in order. The same inputs always give the same blocks, so a
``pulumi up`` that re-runs the program never moves a subnet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from ipaddress import IPv4Network

from locus_iac.errors import Conflict, Issue, ValidationError

DEFAULT_PREFIX = 24


class CidrAllocator:
    """Hands out consecutive ``/prefix`` blocks of ``pool`` that overlap nothing reserved."""

    def __init__(
        self,
        pool: IPv4Network,
        prefix: int = DEFAULT_PREFIX,
        reserved: Iterable[IPv4Network] = (),
    ) -> None:
        if prefix < pool.prefixlen or prefix > 30:
            raise ValidationError(
                "bad CIDR prefix length",
                [
                    Issue(
                        "/prefix",
                        "bad-prefix",
                        f"/{prefix} does not fit the pool {pool} (needs /{pool.prefixlen}..30)",
                    )
                ],
            )
        self.pool = pool
        self.prefix = prefix
        self._taken: list[IPv4Network] = [r for r in reserved if r.overlaps(pool)]
        self._candidates: Iterator[IPv4Network] = pool.subnets(new_prefix=prefix)
        self._given: dict[str, IPv4Network] = {}

    def allocate(self, key: str) -> IPv4Network:
        """The block of ``key``: the same block when asked twice; raises :class:`Conflict`
        when the pool is exhausted."""
        if key in self._given:
            return self._given[key]
        for candidate in self._candidates:
            if not any(candidate.overlaps(taken) for taken in self._taken):
                self._taken.append(candidate)
                self._given[key] = candidate
                return candidate
        raise Conflict(
            f"CIDR pool {self.pool} has no free /{self.prefix} left for {key!r} "
            f"({len(self._given)} allocated here, {len(self._taken)} blocks in use)"
        )

    def allocated(self) -> dict[str, IPv4Network]:
        """Every block handed out so far, by key."""
        return dict(self._given)


def allocate_cidrs(
    pool: IPv4Network,
    keys: Sequence[str],
    *,
    prefix: int = DEFAULT_PREFIX,
    reserved: Iterable[IPv4Network] = (),
) -> dict[str, IPv4Network]:
    """Allocate one ``/prefix`` block of ``pool`` per key, in key order, avoiding ``reserved``.

    A pure function: deterministic, no two results overlap, none overlaps ``reserved``.
    """
    allocator = CidrAllocator(pool, prefix, reserved)
    return {key: allocator.allocate(key) for key in keys}
