"""SOL013 attribute-based filters (clause 5.2) and attribute selectors (clause 5.3) on the
NBI's lists: parsing and matching (units), filtering before paging, and the API answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from locus_iac.catalogue.paging import KeysetPage
from locus_iac.nbi import Settings, create_app
from locus_iac.nbi.filters import ListQuery, Selection, Term, filtered_page, matches, shape_of
from locus_iac.nbi.problems import HttpProblem
from locus_iac.nbi.schemas_packages import NsdInfo

from .harness import GZ, Api, login

NSD = "/nsd/v1/ns_descriptors"
VNF = "/vnfpkgm/v1/vnf_packages"


# -- units -----------------------------------------------------------------------------------


def _query(url: str, osm: bool = False) -> ListQuery:
    """Parse ``url``'s query as a list request on NsdInfo."""
    from starlette.requests import Request

    from locus_iac.nbi import filters

    path, _, query = url.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [],
    }
    if osm:
        scope["locus.osm"] = True
    return filters.parse(Request(scope), NsdInfo)


def test_every_form_of_filter_parses_to_terms() -> None:
    q = _query("/x?filter=(eq,nsdName,cloud_ns);(in,userDefinedData/tier,a,'b,c')")
    assert q.terms == (
        Term("eq", ("nsdName",), ("cloud_ns",)),
        Term("in", ("userDefinedData", "tier"), ("a", "b,c")),
    )
    short = _query("/x?nsdName=cloud_ns&nsdVersion.neq=1.0&_admin.onboardingState=CREATED")
    assert short.terms == (
        Term("eq", ("nsdName",), ("cloud_ns",)),
        Term("neq", ("nsdVersion",), ("1.0",)),
        Term("eq", ("_admin", "onboardingState"), ("CREATED",)),
    )
    assert _query("/x?nsdName=a,b").terms == (Term("in", ("nsdName",), ("a", "b")),)
    assert _query("/x?filter=(eq,nsdName,'it''s')").terms[0].values == ("it's",)


@pytest.mark.parametrize(
    ("url", "pointer", "words"),
    [
        ("/x?wrongName=x", "/query/wrongName", "'wrongName'"),
        ("/x?a/b.neq=x", "/query/a~1b.neq", "'a/b'"),
        ("/x?filter=(eq,nsdName/deeper/x,1)", "/query/filter", "'nsdName/deeper/x'"),
        ("/x?filter=(like,nsdName,1)", "/query/filter", "'like'"),
        ("/x?filter=(eq,nsdName", "/query/filter", "not complete"),
        ("/x?filter=(eq,nsdName)", "/query/filter", "needs an operator"),
        ("/x?filter=(gt,nsdName,1,2)", "/query/filter", "one value"),
        ("/x?fields=nope", "/query/fields", "'nope'"),
        ("/x?all_fields&fields=userDefinedData", "/query", "all_fields"),
        ("/x?exclude_fields=userDefinedData&exclude_default", "/query", "exclude_fields"),
    ],
)
def test_bad_filters_and_selectors_are_400_naming_the_problem(
    url: str, pointer: str, words: str
) -> None:
    with pytest.raises(HttpProblem) as caught:
        _query(url)
    assert caught.value.status == 400
    assert words in caught.value.message
    assert caught.value.extra["errors"][0]["path"] == pointer


def test_unknown_attributes_pass_under_osm_and_match_nothing() -> None:
    q = _query("/x?wrongName=x", osm=True)
    assert not matches({"nsdName": "x"}, q.terms[0])


def test_shape_knows_nested_and_free_form_members() -> None:
    shape = shape_of(NsdInfo)
    assert shape.knows(("nsdName",))
    assert shape.knows(("_links", "self", "href"))
    assert shape.knows(("userDefinedData", "anything", "below"))
    assert not shape.knows(("nsdName", "x"))
    assert not shape.knows(("wrongName",))


ITEM = {
    "name": "edge-ns",
    "size": 10,
    "on": True,
    "tags": ["a", "b"],
    "vnfs": [{"id": "v1"}, {"id": "v2"}],
    "udd": {"tier": "gold"},
}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (Term("eq", ("name",), ("edge-ns",)), True),
        (Term("eq", ("name",), ("Edge-ns",)), False),
        (Term("neq", ("name",), ("edge-ns",)), False),
        (Term("neq", ("missing",), ("x",)), True),
        (Term("eq", ("missing",), ("x",)), False),
        (Term("cont", ("name",), ("dge",)), True),
        (Term("ncont", ("name",), ("dge",)), False),
        (Term("gt", ("size",), ("9",)), True),
        (Term("gt", ("size",), ("10",)), False),
        (Term("gte", ("size",), ("10",)), True),
        (Term("lt", ("size",), ("9.5",)), False),
        (Term("lte", ("size",), ("10",)), True),
        (Term("gt", ("size",), ("ten",)), False),
        (Term("eq", ("on",), ("true",)), True),
        (Term("eq", ("on",), ("false",)), False),
        (Term("in", ("name",), ("x", "edge-ns")), True),
        (Term("nin", ("name",), ("x", "edge-ns")), False),
        (Term("eq", ("tags",), ("b",)), True),
        (Term("nin", ("tags",), ("b",)), False),
        (Term("eq", ("vnfs", "id"), ("v2",)), True),
        (Term("eq", ("udd", "tier"), ("gold",)), True),
        (Term("eq", ("udd",), ("gold",)), False),
    ],
)
def test_terms_match_as_sol013_says(term: Term, expected: bool) -> None:
    assert matches(ITEM, term) is expected


def _source(items: list[int]) -> Any:
    """A keyset source over ``items`` whose marker is the index after the page."""

    def fetch(marker: str | None, n: int) -> KeysetPage[dict[str, Any]]:
        start = int(marker or 0)
        rows = [{"n": i} for i in items[start : start + n]]
        more = start + n < len(items)
        return KeysetPage(rows, str(start + n) if more else None)

    return fetch


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_filtered_pages_neither_skip_nor_repeat(limit: int) -> None:
    items = list(range(250))
    even = lambda item: item["n"] % 3 == 0  # noqa: E731
    seen: list[int] = []
    marker: str | None = None
    pages = 0
    while True:
        page = filtered_page(_source(items), marker, limit, even)
        pages += 1
        assert 0 < len(page.rows) <= limit
        seen.extend(r["n"] for r in page.rows)
        if page.next_marker is None:
            break
        assert len(page.rows) == limit
        marker = page.next_marker
    assert seen == [i for i in items if i % 3 == 0]
    assert pages == -(-len(seen) // limit)


def test_selection_defaults() -> None:
    assert not Selection().given
    assert Selection(exclude_default=True).given


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def small(settings: Settings) -> Iterator[Api]:
    """An NBI with pages of 2."""
    application = create_app(settings.model_copy(update={"page_size": 2}))
    with TestClient(application, raise_server_exceptions=False) as client:
        yield Api(client, login(client))
    application.state.services.db.dispose()


def _onboard(api: Api, example_packages: dict[str, bytes]) -> dict[str, str]:
    """Two VNF packages; NSDs: c0..c4 (CREATED), cloud_ns, c5, c6, edge_ns, in that order."""
    ids: dict[str, str] = {}

    def make(base: str, copy: str, content: str | None = None, name: str = "") -> None:
        created = api.post(base, json={"userDefinedData": {"copy": copy}})
        assert created.status_code == 201, created.text
        ids[copy] = created.json()["id"]
        if content:
            url = f"{base}/{ids[copy]}/{content}"
            put = api.put(url, content=example_packages[name], headers=GZ)
            assert put.status_code == 201, put.text

    make(VNF, "cloud_vnf", "package_content", "cloud_vnf")
    make(VNF, "edge_knf", "package_content", "edge_knf")
    for copy in ("c0", "c1", "c2", "c3", "c4"):
        make(NSD, copy)
    make(NSD, "cloud_ns", "nsd_content", "cloud_ns")
    make(NSD, "c5")
    make(NSD, "c6")
    make(NSD, "edge_ns", "nsd_content", "edge_ns")
    return ids


def _all(api: Api, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    response = api.get(url)
    while True:
        assert response.status_code == 200, response.text
        items.extend(response.json())
        if "next" not in response.links:
            return items
        response = api.get(response.links["next"]["url"])


def test_nsd_list_filters_before_paging(small: Api, example_packages: dict[str, bytes]) -> None:
    ids = _onboard(small, example_packages)
    assert len(_all(small, NSD)) == 9
    found = _all(small, f"{NSD}?nsdName=cloud_ns")
    assert [i["id"] for i in found] == [ids["cloud_ns"]]
    both = _all(small, f"{NSD}?filter=(cont,nsdName,_ns)")
    assert [i["id"] for i in both] == [ids["cloud_ns"], ids["edge_ns"]]
    created = small.get(f"{NSD}?filter=(eq,nsdOnboardingState,CREATED)")
    assert len(created.json()) == 2 and "next" in created.links
    every = _all(small, f"{NSD}?filter=(eq,nsdOnboardingState,CREATED)")
    assert [i["id"] for i in every] == [ids[f"c{n}"] for n in range(7)]
    assert {i["nsdOperationalState"] for i in every} == {"DISABLED"}
    some = _all(small, f"{NSD}?filter=(in,userDefinedData/copy,c0,c6,edge_ns)&all_fields")
    assert [i["userDefinedData"]["copy"] for i in some] == ["c0", "c6", "edge_ns"]
    none = small.get(f"{NSD}?nsdName=nothing")
    assert none.status_code == 200 and none.json() == [] and "next" not in none.links


def test_unknown_filter_attribute_is_400(api: Api) -> None:
    bad = api.get(f"{NSD}?wrongName=x")
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert "wrongName" in bad.json()["detail"]
    assert api.get(f"/osm{NSD}?wrongName=x").json() == []  # OSM: lenient
    assert api.get(f"{NSD}?ADMIN&PUBLIC=false").status_code == 200  # OSM's keys, not filters


def test_selectors_on_package_lists(api: Api, example_packages: dict[str, bytes]) -> None:
    _onboard(api, example_packages)
    default = api.get(VNF).json()
    assert default and all("userDefinedData" not in i and "checksum" not in i for i in default)
    assert all("userDefinedData" not in i["_admin"] for i in default)
    full = api.get(f"{VNF}?all_fields").json()
    assert all("checksum" in i and "userDefinedData" in i for i in full)
    some = api.get(f"{VNF}?fields=checksum").json()
    assert all("checksum" in i and "userDefinedData" not in i for i in some)
    without = api.get(f"{VNF}?exclude_fields=vnfdId,_links").json()
    assert all("vnfdId" not in i and "_links" not in i and "checksum" in i for i in without)
    nsds = api.get(f"{NSD}?exclude_default").json()
    assert nsds and all("userDefinedData" not in i for i in nsds)
    osm = api.get(f"/osm{VNF}").json()  # OSM's client: everything by default
    assert all("userDefinedData" in i for i in osm)
    assert api.get(f"{VNF}?all_fields&exclude_default").status_code == 400


def test_cached_list_items_are_byte_identical_to_serialised_ones(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    """Without filter or selector a package list joins each package's cached list JSON; with
    ``exclude_default`` (the same exclusions for packages) or ``all_fields`` under ``/osm``
    (nothing excluded, as OSM's default) the list is serialised afresh: the same bytes."""
    _onboard(api, example_packages)
    first = api.get(VNF).json()[0]["id"]
    patched = api.patch(f"{VNF}/{first}", json={"userDefinedData": {"é": [1, 2]}})
    assert patched.status_code == 200, patched.text
    for base in (VNF, NSD):
        cached, fresh = api.get(base), api.get(f"{base}?exclude_default")
        assert cached.json() and cached.content == fresh.content
        assert cached.headers["content-type"] == fresh.headers["content-type"]
        osm, osm_fresh = api.get(f"/osm{base}"), api.get(f"/osm{base}?all_fields")
        assert osm.content == osm_fresh.content and osm.content != cached.content
    assert api.get(f"/osm{VNF}").json()[0]["userDefinedData"]["é"] == [1, 2]


def test_lifecycle_lists_filter_and_select(api: Api, example_packages: dict[str, bytes]) -> None:
    _onboard(api, example_packages)
    for name in ("a", "b", "c"):
        made = api.post("/nslcm/v1/ns_instances", json={"nsdId": "cloud_ns", "nsName": name})
        assert made.status_code == 201, made.text
    listed = api.get("/nslcm/v1/ns_instances?filter=(neq,nsInstanceName,b)").json()
    assert [i["nsInstanceName"] for i in listed] == ["a", "c"]
    fields = api.get("/nslcm/v1/ns_instances?nsState=NOT_INSTANTIATED&exclude_fields=_admin")
    assert all("_admin" not in i for i in fields.json()) and len(fields.json()) == 3
    assert api.get("/nslcm/v1/ns_lcm_op_occs?exclude_default").json() == []
    assert api.get("/nslcm/v1/ns_lcm_op_occs?operationStatus=x").status_code == 400
    assert api.get("/nsilcm/v1/netslice_instances?nsiName=x").json() == []
    assert api.get("/nsilcm/v1/nsi_lcm_op_occs?bogus=1").status_code == 400
