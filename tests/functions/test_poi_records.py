"""Parsing, selection and cleaning of UE location records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from locus_iac.errors import ValidationError
from locus_iac.functions.poi import (
    BBox,
    GeoJsonPolygon,
    LocationRecords,
    PreprocessParams,
    Projector,
    TimeInterval,
    clean,
    load_records_file,
    parse_records,
    select,
)
from locus_iac.functions.poi.records import MAX_ISSUES


def test_csv_with_iso_and_epoch_timestamps_and_aliases() -> None:
    text = (
        "ue,time,lat,lon,extra\n"
        "a,2026-01-01T00:00:00Z,37.98,23.72,x\n"
        "b,1767225660,37.99,23.73,y\n"
        "c,2026-01-01T00:02:00,38.0,23.74,z\n"
    )
    records = parse_records(text)
    assert list(records.ue_id) == ["a", "b", "c"]
    assert records.t.tolist() == [1767225600.0, 1767225660.0, 1767225720.0]
    assert records.lat.tolist() == [37.98, 37.99, 38.0]


def test_json_list_and_object_forms_agree(tmp_path: Path) -> None:
    rows = [{"ue_id": "u1", "timestamp": 10, "latitude": 1.5, "longitude": 2.5}]
    a = parse_records(json.dumps(rows))
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"records": rows}))
    b = load_records_file(path)
    assert a.t.tolist() == b.t.tolist() == [10.0]
    assert a.lon.tolist() == b.lon.tolist() == [2.5]


def test_json_problems_are_all_listed_with_pointers() -> None:
    doc = {
        "records": [
            {"ue_id": "ok", "timestamp": 1, "latitude": 0.1, "longitude": 0.2},
            {"ue_id": "", "timestamp": "yesterday", "latitude": 91, "longitude": "east"},
            "not an object",
            {"ue_id": "x", "timestamp": 1, "latitude": 10, "longitude": -180.5},
        ]
    }
    with pytest.raises(ValidationError) as caught:
        parse_records(json.dumps(doc))
    found = {(i.path, i.code) for i in caught.value.issues}
    assert found == {
        ("/records/1/ue_id", "missing-field"),
        ("/records/1/timestamp", "invalid-timestamp"),
        ("/records/1/latitude", "out-of-range"),
        ("/records/1/longitude", "invalid-number"),
        ("/records/2", "invalid-type"),
        ("/records/3/longitude", "out-of-range"),
    }


def test_bare_json_list_pointers_have_no_records_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_records('[{"ue_id": "a", "timestamp": 1, "latitude": "nan", "longitude": 0}]')
    assert [i.path for i in caught.value.issues] == ["/0/latitude"]


def test_csv_problems_name_the_line_and_are_capped() -> None:
    lines = ["ue_id,timestamp,latitude,longitude"]
    lines += [f"u{i},{i},100,0" for i in range(MAX_ISSUES + 20)]
    with pytest.raises(ValidationError) as caught:
        parse_records("\n".join(lines))
    issues = caught.value.issues
    assert len(issues) == MAX_ISSUES + 1
    assert issues[0].path == "/records/0/latitude"
    assert "line 2:" in issues[0].message
    assert issues[-1].code == "too-many-issues"
    assert "20 more" in issues[-1].message


def test_csv_missing_columns_are_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_records("ue_id,latitude\na,1\n")
    assert {i.message for i in caught.value.issues} == {
        "line 1: no column named 'timestamp'",
        "line 1: no column named 'longitude'",
    }


def test_invalid_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_records("{not json")
    assert caught.value.issues[0].code == "invalid-json"


def _grid_records() -> LocationRecords:
    return LocationRecords.from_columns(
        ["a", "b", "c", "d"], [0, 100, 200, 300], [10.0, 10.5, 11.0, 12.0], [20.0, 20.5, 21.0, 22.0]
    )


def test_select_by_bbox_and_interval() -> None:
    records = _grid_records()
    box = BBox.from_list([20.0, 10.0, 21.0, 11.0])
    assert list(select(records, box).ue_id) == ["a", "b", "c"]
    window = TimeInterval(start="1970-01-01T00:01:40Z", end=250)
    assert list(select(records, box, window).ue_id) == ["b", "c"]
    assert len(select(records, None, TimeInterval(start=1000))) == 0


def test_select_by_geojson_polygon_and_multipolygon() -> None:
    records = _grid_records()
    tri = GeoJsonPolygon(
        type="Polygon", coordinates=[[[19.9, 9.9], [20.6, 9.9], [20.6, 10.8], [19.9, 9.9]]]
    )
    assert list(select(records, tri).ue_id) == ["a", "b"]
    multi = GeoJsonPolygon(
        type="MultiPolygon",
        coordinates=[
            [[[19.9, 9.9], [20.1, 9.9], [20.1, 10.1], [19.9, 10.1], [19.9, 9.9]]],
            [[[21.9, 11.9], [22.1, 11.9], [22.1, 12.1], [21.9, 12.1], [21.9, 11.9]]],
        ],
    )
    assert list(select(records, multi).ue_id) == ["a", "d"]


def test_invalid_polygon_is_reported() -> None:
    bowtie = GeoJsonPolygon(type="Polygon", coordinates=[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]])
    with pytest.raises(ValidationError) as caught:
        select(_grid_records(), bowtie)
    assert caught.value.issues[0].path == "/area/coordinates"


def test_clean_drops_duplicates_null_island_and_speed_jumps() -> None:
    # ue a: walks slowly, one fix jumps 50 km away and back (speed outlier)
    lat = [37.0, 37.0001, 37.45, 37.0002, 37.0002, 0.0]
    lon = [23.0, 23.0001, 23.0, 23.0002, 23.0002, 0.0]
    t = [0, 60, 120, 180, 180, 240]
    records = LocationRecords.from_columns(["a"] * 5 + ["b"], t, lat, lon)
    kept, report = clean(records)
    assert (report.duplicates, report.invalid, report.speed_outliers) == (1, 1, 1)
    assert kept.lat.tolist() == [37.0, 37.0001, 37.0002]
    kept_all, report_off = clean(
        records, PreprocessParams(drop_duplicates=False, drop_null_island=False, max_speed_mps=None)
    )
    assert len(kept_all) == 6 and report_off.kept == 6


def test_projection_is_metric_and_round_trips() -> None:
    projector = Projector(37.98, 23.72)
    x, y = projector.forward(np.array([23.72, 23.72]), np.array([37.98, 37.99]))
    assert abs(y[1] - y[0] - 1110.0) < 5  # 0.01 degree of latitude is ~1.11 km
    _, lat = projector.inverse(x, y)
    assert np.allclose(lat, [37.98, 37.99], atol=1e-9)


def test_fast_and_per_record_paths_agree() -> None:
    """Clean input takes the vectorised path; one bad value sends it to the slow path."""
    rows = [
        {
            "ue_id": f"u{i % 7}",
            "timestamp": f"2026-03-01T10:{i % 60:02d}:00Z",
            "latitude": 37.9 + i * 1e-4,
            "longitude": "23.7",
        }
        for i in range(300)
    ]
    clean_records = parse_records(json.dumps(rows))
    assert clean_records.t[1] - clean_records.t[0] == 60.0
    assert clean_records.lon.tolist() == [23.7] * 300
    rows[5]["timestamp"] = "2026-03-01T10:05:00+01:00"  # an offset: per-record path
    mixed = parse_records(json.dumps(rows))
    assert mixed.t[5] == clean_records.t[5] - 3600
    assert np.array_equal(np.delete(mixed.t, 5), np.delete(clean_records.t, 5))
    csv_text = "ue_id,timestamp,latitude,longitude\n" + "".join(
        f"{r['ue_id']},{r['timestamp']},{r['latitude']},{r['longitude']}\n" for r in rows
    )
    assert np.array_equal(parse_records(csv_text).t, mixed.t)
    rows[7]["latitude"] = True
    with pytest.raises(ValidationError) as caught:
        parse_records(json.dumps(rows))
    assert [i.path for i in caught.value.issues] == ["/7/latitude"]
