"""The OpenAPI document tells the truth (issue 16): SOL013 list parameters on every list it
serves and on nothing else, list item schemas without ``required`` members a list leaves out,
406 on every JSON operation whose ``Accept`` excludes JSON, an empty ``filter``."""

from __future__ import annotations

from typing import Any

import pytest

from locus_iac.nbi.filters import LISTED
from locus_iac.nbi.problems import PROBLEM_JSON

from .harness import Api

SOL013 = ("filter", "all_fields", "fields", "exclude_fields", "exclude_default")
NSD = "/nsd/v1/ns_descriptors"


def _document(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = api.client.get("/openapi.json").json()
    return document


def _lists(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        path: item["get"]
        for path, item in document["paths"].items()
        if "get" in item
        and "nextpage_opaque_marker" in {p["name"] for p in item["get"].get("parameters", [])}
    }


def test_every_list_documents_the_sol013_parameters_and_serves_them(api: Api) -> None:
    lists = _lists(_document(api))
    assert len(lists) >= 17  # packages (root and OSM), NS/NSI instances, occurrences, subscriptions
    for path, operation in lists.items():
        declared = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert set(SOL013) <= set(declared), path
        assert "400" in operation["responses"], path
        assert PROBLEM_JSON in operation["responses"]["400"]["content"], path
        # documented, so served: an unknown attribute is refused with a JSON pointer
        refused = api.get(path, params={"filter": "(eq,noSuchAttribute,x)"})
        assert refused.status_code == 400, path
        assert refused.json()["errors"][0]["path"] == "/query/filter", path
        assert api.get(path, params={"all_fields": ""}).status_code == 200, path


def test_lists_that_do_not_filter_do_not_document_filters(api: Api) -> None:
    document = _document(api)
    for path in ("/admin/v1/users", "/admin/v1/projects", "/admin/v1/vim_accounts"):
        names = {p["name"] for p in document["paths"][path]["get"].get("parameters", [])}
        assert not names & set(SOL013), path


def test_members_a_list_leaves_out_are_not_required(api: Api) -> None:
    document = _document(api)
    schemas = document["components"]["schemas"]
    checked = 0
    for path, operation in _lists(document).items():
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
        name = ref["$ref"].rsplit("/", 1)[-1]
        listing = LISTED.get(name.removesuffix("-Output"))
        if listing is None:
            continue
        required = set(schemas[name].get("required", []))
        assert not required & set(listing.omitted), (path, required & set(listing.omitted))
        checked += 1
    assert checked >= 10
    # NsiLcmOpOcc.operationParams is left out by exclude_default (it was required before)
    assert "operationParams" not in schemas["NsiLcmOpOcc"].get("required", [])
    assert "id" in schemas["NsiLcmOpOcc"]["required"]


def test_exclude_default_is_described_with_what_it_leaves_out(api: Api) -> None:
    operation = _document(api)["paths"][NSD]["get"]
    described = {p["name"]: p["description"] for p in operation["parameters"]}
    assert "userDefinedData" in described["exclude_default"]
    assert "onboardingFailureDetails" in described["exclude_default"]


def test_an_empty_filter_filters_nothing(api: Api) -> None:
    for name in ("a", "b"):
        assert api.post(NSD, json={"userDefinedData": {"name": name}}).status_code == 201
    everything = api.get(NSD).json()
    assert len(everything) == 2
    for empty in ("", "  "):
        answered = api.get(NSD, params={"filter": empty})
        assert answered.status_code == 200, empty
        assert answered.json() == everything
    # a malformed one is still refused
    assert api.get(NSD, params={"filter": "(eq,id"}).status_code == 400


@pytest.mark.parametrize("accept", ["text/plain", "application/zip", "application/xml, text/html"])
def test_json_operations_answer_406_when_accept_excludes_json(api: Api, accept: str) -> None:
    before = len(api.get(NSD).json())
    for method, path, body in (
        ("GET", NSD, None),
        ("POST", NSD, {}),
        ("GET", "/nslcm/v1/ns_instances", None),
        ("GET", "/admin/v1/users", None),
        ("GET", "/nsd/v1/api_versions", None),
    ):
        refused = api.request(method, path, json=body, headers={"Accept": accept})
        assert refused.status_code == 406, (method, path)
        assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        assert "application/json" in refused.json()["detail"]
    assert len(api.get(NSD).json()) == before  # the refused POST created nothing


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/*", "application/json", "text/plain, application/json;q=0.5"],
)
def test_accept_allowing_json_is_served(api: Api, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept": accept}
    assert api.get(NSD, headers=headers).status_code == 200
    assert api.post(NSD, json={}, headers=headers).status_code == 201


def test_under_osm_and_without_a_body_accept_is_not_json_only(api: Api) -> None:
    binary = {"Accept": "application/binary"}  # what OSM's client sends on every request
    assert api.get(f"/osm{NSD}", headers=binary).status_code == 200
    created = api.post(NSD, json={}).json()["id"]
    assert api.delete(f"{NSD}/{created}", headers={"Accept": "text/plain"}).status_code == 204


def test_every_operation_documents_406(api: Api) -> None:
    for path, item in _document(api)["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert "406" in operation["responses"], (method, path)
