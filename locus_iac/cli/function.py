"""``locus function ...``: the LOCUS function template and the POI identification function.

* ``locus function schema`` — print the template's JSON Schema (seed Table 3).
* ``locus function validate TEMPLATE`` — check a filled template.
* ``locus function package TEMPLATE [-o DIR]`` — generate its VNF/KNF package folder.
* ``locus function poi run|serve|synth`` — run SNM-UC1 POI identification (Annex A) on a
  file or URL, serve it over HTTP, or generate synthetic UE traces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import ValidationError as PydanticValidationError

from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.functions.template import build_package, load_template, template_schema

# The POI commands import locus_iac.functions.poi (scikit-learn, SciPy, pyproj: seconds of
# start-up) inside their bodies, so that every other `locus` command starts fast.

app = typer.Typer(
    help="LOCUS functions: template, packaging, POI identification.", no_args_is_help=True
)
poi_app = typer.Typer(help="SNM-UC1 identification of POIs (seed Annex A).", no_args_is_help=True)
app.add_typer(poi_app, name="poi")

DEFAULT_STORE = Path("poi-results")


@app.command("schema")
def schema(as_json: bool = typer.Option(False, "--json", help="JSON instead of YAML.")) -> None:
    """Print the JSON Schema of the function template (seed Table 3)."""
    if as_json:
        emit_json(template_schema())
    else:
        emit(yaml.safe_dump(template_schema(), sort_keys=False).rstrip())


@app.command("validate")
def validate(
    template: Path = typer.Argument(..., help="Filled template YAML."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Validate a filled function template; exit 1 listing every problem."""
    try:
        loaded = load_template(template)
    except LocusError as exc:
        raise fail(exc, as_json=as_json) from None
    if as_json:
        emit_json({"valid": True, "name": loaded.name, "errors": []})
    else:
        emit(f"{template}: valid function template {loaded.name} {loaded.version}")


@app.command("package")
def package(
    template: Path = typer.Argument(..., help="Filled template YAML."),
    out: Path = typer.Option(Path("."), "-o", "--output", help="Folder to create it in."),
    force: bool = typer.Option(False, "--force", help="Replace an existing package folder."),
) -> None:
    """Generate the VNF/KNF package folder (OSM layout) for a function template."""
    try:
        loaded = load_template(template)
        target = build_package(loaded, template.read_text(encoding="utf-8"), out, force=force)
    except LocusError as exc:
        raise fail(exc) from None
    kind = "KNF" if loaded.deployment.type == "container" else "VNF"
    emit(f"{kind} package {loaded.vnfd_id} written to {target}")


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(
                "invalid --param",
                [Issue(f"/params/{key}", "invalid-value", f"{pair!r} is not NAME=VALUE")],
            )
        params[key.strip()] = yaml.safe_load(value)
    return params


def _area(area: str | None) -> Any:
    if area is None:
        return None
    if area.lstrip().startswith("{"):
        return json.loads(area)
    path = Path(area)
    if path.suffix.lower() in (".json", ".geojson") and path.exists():
        document = json.loads(path.read_text(encoding="utf-8"))
        return document.get("geometry", document) if document.get("type") == "Feature" else document
    return [float(v) for v in area.split(",")]


@poi_app.command("run")
def poi_run(
    input_file: Path | None = typer.Option(None, "--input", "-i", help="CSV or JSON records."),
    source: str | None = typer.Option(None, "--source", help="http(s) URL of the records."),
    method: str = typer.Option("dbscan", "--method", "-m", help="hca, dbscan or optics."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE, repeatable."),
    area: str | None = typer.Option(
        None, "--area", help="west,south,east,north or a GeoJSON file/text."
    ),
    start: str | None = typer.Option(None, "--start", help="ISO-8601 or epoch seconds."),
    end: str | None = typer.Option(None, "--end", help="ISO-8601 or epoch seconds."),
    store: Path | None = typer.Option(None, "--store", help="Also save to this result store."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the GeoJSON here."),
) -> None:
    """Identify POIs in a records file or URL; print (or write) the GeoJSON result."""
    from locus_iac.functions.poi import fetch_records, load_records_file, parse_query, run_poi
    from locus_iac.functions.poi.store import FileResultStore

    try:
        if (input_file is None) == (source is None):
            raise ValidationError(
                "give --input or --source",
                [Issue("", "records-or-source", "exactly one of --input and --source")],
            )
        interval = {"start": start, "end": end} if start or end else None
        query = parse_query(
            {"area": _area(area), "interval": interval}, method=method, params=_params(param)
        )
        records = load_records_file(input_file) if input_file else fetch_records(str(source))
        result = run_poi(records, query)
        if store is not None:
            result_store = FileResultStore(store)
            result_id = result_store.save(result)
            result = result_store.get(result_id)
            emit(f"saved as {result_store.url_for(result_id)}")
    except (LocusError, ValueError) as exc:
        error = (
            exc
            if isinstance(exc, LocusError)
            else ValidationError("invalid --area", [Issue("/area", "invalid-value", str(exc))])
        )
        raise fail(error) from None
    text = result.model_dump_json(indent=2)
    if output is None:
        emit(text)
    else:
        output.write_text(text, encoding="utf-8")
        emit(f"{len(result.features)} POI(s), silhouette {result.silhouette}, in {output}")


@poi_app.command("serve")
def poi_serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8080, "--port"),
    store: Path = typer.Option(DEFAULT_STORE, "--store", help="Result store directory."),
    default_method: str = typer.Option(
        "dbscan", "--default-method", envvar="LOCUS_FN_DEFAULT_METHOD"
    ),
    allow_source: list[str] = typer.Option(
        [],
        "--allow-source",
        help="URL prefix a records source must start with (repeatable; default: any http(s) URL).",
    ),
) -> None:
    """Serve POI identification over HTTP (POST /run, GET /results/{id}, /health, /metrics)."""
    from locus_iac.functions.poi.service import ServiceSettings
    from locus_iac.functions.poi.service import serve as serve_poi

    try:
        settings = ServiceSettings(default_method, tuple(allow_source))
        serve_poi(store, host, port, settings)
    except LocusError as exc:
        raise fail(exc) from None


@poi_app.command("synth")
def poi_synth(
    output: Path = typer.Option(..., "-o", "--output", help=".csv or .json file to write."),
    records: int = typer.Option(3200, "-n", "--records"),
    ues: int = typer.Option(20, "--ues"),
    pois: int = typer.Option(8, "--pois"),
    spread_m: float = typer.Option(25.0, "--spread-m"),
    seed: int = typer.Option(0, "--seed"),
    truth: Path | None = typer.Option(None, "--truth", help="Also write the true POIs (JSON)."),
) -> None:
    """Generate synthetic UE traces with known POIs (seeded)."""
    from locus_iac.functions.poi import SyntheticSpec, generate
    from locus_iac.functions.poi.pipeline import issues_from_pydantic

    try:
        spec = SyntheticSpec(
            n_records=records, n_ues=ues, n_pois=pois, spread_m=spread_m, seed=seed
        )
        trace = generate(spec)
    except PydanticValidationError as exc:
        raise fail(
            ValidationError("invalid generator options", issues_from_pydantic(exc))
        ) from None
    except LocusError as exc:
        raise fail(exc) from None
    rows = trace.records.to_json_records()
    if output.suffix.lower() == ".json":
        output.write_text(json.dumps({"records": rows}), encoding="utf-8")
    else:
        lines = ["ue_id,timestamp,latitude,longitude"]
        lines += [
            f"{r['ue_id']},{r['timestamp']},{r['latitude']!r},{r['longitude']!r}" for r in rows
        ]
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if truth is not None:
        centres = [
            {"poi": k, "latitude": float(la), "longitude": float(lo)}
            for k, (la, lo) in enumerate(zip(trace.poi_lat, trace.poi_lon, strict=True))
        ]
        truth.write_text(json.dumps(centres, indent=2), encoding="utf-8")
    emit(f"{len(rows)} records of {ues} UEs around {pois} POIs written to {output}")
