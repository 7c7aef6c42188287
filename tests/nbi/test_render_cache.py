"""Cached package representations (issue 19): reused while unchanged, never stale."""

from __future__ import annotations

from datetime import UTC, datetime

from locus_iac.catalogue.models import PackageRow
from locus_iac.nbi.render_cache import RenderCache, row_key

from .harness import Api
from .test_onboarding import _two_step

VNF = "/vnfpkgm/v1/vnf_packages"


def test_cache_renders_once_per_key_and_drops_the_least_recently_used() -> None:
    cache: RenderCache[bytes] = RenderCache(size=2)
    calls: list[str] = []

    def render(text: str) -> bytes:
        calls.append(text)
        return text.encode()

    assert cache.get("a", lambda: render("a")) == b"a"
    assert cache.get("a", lambda: render("other")) == b"a"  # stored: not rendered again
    cache.get("b", lambda: render("b"))
    cache.get("a", lambda: render("a"))  # "a" is now the most recently used
    cache.get("c", lambda: render("c"))  # over the size: "b" goes
    assert len(cache) == 2
    assert cache.get("b", lambda: render("b again")) == b"b again"
    assert calls == ["a", "b", "c", "b again"]


def _row(**changes: object) -> PackageRow:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    values: dict[str, object] = {
        "id": "p1",
        "project_id": "proj",
        "kind": "vnfd",
        "name": "n",
        "onboarding_state": "ONBOARDED",
        "operational_state": "ENABLED",
        "user_defined_data": {"a": 1},
        "artifacts": [{"path": "x", "sha256": "0"}],
        "created_at": stamp,
        "updated_at": stamp,
    }
    values.update(changes)
    return PackageRow(**values)


def test_row_key_changes_with_any_loaded_column_even_without_updated_at() -> None:
    base = row_key(_row())
    assert row_key(_row()) == base
    # start-up recovery and upload state changes write states without touching updated_at
    assert row_key(_row(onboarding_state="CREATED")) != base
    assert row_key(_row(operational_state="DISABLED")) != base
    assert row_key(_row(user_defined_data={"a": 2})) != base
    assert row_key(_row(user_defined_data={"a": "1"})) != base  # JSON types kept apart
    assert row_key(_row(user_defined_data={"a": True})) != base
    assert row_key(_row(artifacts=[])) != base
    hash(base)  # usable as a dict key


def test_list_and_get_show_changes_made_after_they_were_cached(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    vnf = _two_step(
        api, "/vnfpkgm/v1", "vnf_packages", "package_content", example_packages["cloud_vnf"]
    )

    def shown(field: str) -> tuple[object, object]:
        listed = {p["id"]: p for p in api.get(f"{VNF}?all_fields").json()}
        return listed[vnf][field], api.get(f"{VNF}/{vnf}").json()[field]

    assert shown("usageState") == ("NOT_IN_USE", "NOT_IN_USE")  # now cached
    # an NSD onboarded later puts it in use, although the VNF package's own row is unchanged
    _two_step(api, "/nsd/v1", "ns_descriptors", "nsd_content", example_packages["cloud_ns"])
    assert shown("usageState") == ("IN_USE", "IN_USE")
    assert shown("operationalState") == ("ENABLED", "ENABLED")
    patched = api.patch(
        f"{VNF}/{vnf}", json={"operationalState": "DISABLED", "userDefinedData": {"k": "v"}}
    )
    assert patched.status_code == 200, patched.text
    assert shown("operationalState") == ("DISABLED", "DISABLED")
    assert shown("userDefinedData") == ({"k": "v"}, {"k": "v"})
    under_osm = api.get(f"/osm{VNF}").json()  # OSM's meaning of id: not the cached SOL005 one
    assert [p["id"] for p in under_osm] == ["cloud_vnf"]
