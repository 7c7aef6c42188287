"""The POI service over real HTTP on 127.0.0.1 (uvicorn in a thread, httpx client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from locus_iac.errors import PermanentError, RetryableError
from locus_iac.functions.poi import SyntheticSpec, fetch_records, generate
from locus_iac.functions.poi.service import ServiceSettings, create_app
from locus_iac.functions.poi.store import FileResultStore

from .httpservers import ServedApp, StaticFiles, free_port

TRACE = generate(SyntheticSpec(n_records=1600, n_ues=8, n_pois=5, seed=11))


def _csv(records_json: list[dict[str, object]]) -> bytes:
    lines = ["ue_id,timestamp,latitude,longitude"]
    lines += [
        f"{r['ue_id']},{r['timestamp']},{r['latitude']},{r['longitude']}" for r in records_json
    ]
    return "\n".join(lines).encode()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, FileResultStore]]:
    store = FileResultStore(tmp_path / "results")
    with ServedApp(create_app(store)) as served:
        yield served.url, store


def test_run_inline_then_get_result_and_metrics(service: tuple[str, FileResultStore]) -> None:
    url, store = service
    body = {
        "records": TRACE.records.to_json_records(),
        "method": "dbscan",
        "params": {"eps_m": 50, "min_samples": 10},
    }
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/health").json() == {"status": "ok"}
        answer = client.post("/run", json=body)
        assert answer.status_code == 201, answer.text
        created = answer.json()
        assert created["url"] == f"{url}/results/{created['id']}"
        assert created["result"]["type"] == "FeatureCollection"
        assert len(created["result"]["features"]) == 5
        assert created["result"]["silhouette"] > 0.5
        fetched = client.get(f"/results/{created['id']}").json()
        assert fetched == created["result"]
        assert store.get_url(created["file_url"]).id == created["id"]
        assert client.get("/results/" + "0" * 32).status_code == 404
        assert client.get("/results/..%2Fsecret").status_code == 404
        client.post("/run", json={"records": [], "method": "nope"})
        metrics = client.get("/metrics").text
    assert 'locus_poi_runs_total{method="dbscan",status="succeeded"} 1.0' in metrics
    assert 'locus_poi_runs_total{method="unknown",status="failed"} 1.0' in metrics
    assert 'locus_poi_records_processed_total{method="dbscan"} 1600.0' in metrics
    assert 'locus_poi_run_duration_seconds_count{method="dbscan"} 1.0' in metrics


def test_run_from_http_source_with_area_and_interval(
    service: tuple[str, FileResultStore], static_files: StaticFiles
) -> None:
    url, _ = service
    static_files.routes["/ues.csv"] = (200, "text/csv", _csv(TRACE.records.to_json_records()))
    west, south = float(TRACE.records.lon.min()), float(TRACE.records.lat.min())
    body = {
        "source": f"{static_files.url}/ues.csv",
        "method": "hca",
        "area": [west - 0.1, south - 0.1, 180, 90],
        "interval": {"start": float(TRACE.records.t.min()) - 1, "end": "2100-01-01T00:00:00Z"},
    }
    answer = httpx.post(f"{url}/run", json=body, timeout=60)
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"]["run"]["records_selected"] == 1600
    assert len(answer.json()["result"]["features"]) >= 5


def test_bad_requests_are_problem_details(
    service: tuple[str, FileResultStore], static_files: StaticFiles
) -> None:
    url, _ = service
    with httpx.Client(base_url=url, timeout=30) as client:
        bad = client.post(
            "/run",
            json={"records": [{"ue_id": "a", "timestamp": 0, "latitude": 95, "longitude": 0}]},
        )
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["path"] == "/records/0/latitude"
        method = client.post("/run", json={"records": [], "method": "kmeans"})
        assert method.status_code == 422
        assert "hca, dbscan, optics" in method.json()["errors"][0]["message"]
        both = client.post("/run", json={"method": "hca"})
        assert both.json()["errors"][0]["code"] == "records-or-source"
        gone = client.post("/run", json={"source": f"{static_files.url}/none.csv"})
        assert gone.status_code == 502
        listed = client.post("/run", json=[1, 2])
        assert listed.status_code == 422
        assert listed.headers["content-type"].startswith("application/problem+json")
        empty = client.post("/run", json={"records": [], "method": "optics"})
        assert empty.status_code == 201
        assert empty.json()["result"]["features"] == []


def test_sources_outside_the_allowed_prefixes_are_refused(
    tmp_path: Path, static_files: StaticFiles
) -> None:
    static_files.routes["/ok.csv"] = (200, "text/csv", _csv(TRACE.records.to_json_records()))
    settings = ServiceSettings(default_method="hca", source_prefixes=(f"{static_files.url}/",))
    with ServedApp(create_app(FileResultStore(tmp_path), settings=settings)) as served:
        refused = httpx.post(f"{served.url}/run", json={"source": "http://127.0.0.1:1/x"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "source-not-allowed"
        allowed = httpx.post(
            f"{served.url}/run", json={"source": f"{static_files.url}/ok.csv"}, timeout=60
        )
        assert allowed.status_code == 201, allowed.text
        assert allowed.json()["result"]["run"]["method"] == "hca"


def test_fetch_records_maps_transport_and_status_errors(static_files: StaticFiles) -> None:
    static_files.routes["/r.json"] = (
        200,
        "application/json",
        json.dumps(
            [{"ue_id": "a", "timestamp": "2026-01-01T00:00:00Z", "latitude": 1, "longitude": 2}]
        ).encode(),
    )
    static_files.routes["/down"] = (503, "text/plain", b"")
    assert fetch_records(f"{static_files.url}/r.json").lat.tolist() == [1.0]
    with pytest.raises(RetryableError):
        fetch_records(f"{static_files.url}/down")
    with pytest.raises(PermanentError):
        fetch_records(f"{static_files.url}/missing")
    with pytest.raises(RetryableError):
        fetch_records(f"http://127.0.0.1:{free_port()}/closed")
