"""SNM-UC1 identification of POIs (seed Annex A, Table 4) as a LOCUS function.

Query UE location records by area and time, clean them, cluster them (HCA, DBSCAN or
OPTICS, radii in metres), draw a convex hull per cluster and save the POI areas.
"""

from locus_iac.functions.poi.cluster import (
    METHODS,
    NOISE,
    DbscanParams,
    HcaParams,
    OpticsParams,
    cluster,
)
from locus_iac.functions.poi.hull import PoiFeature, PoiProperties, PoiResult, RunSummary
from locus_iac.functions.poi.pipeline import PoiQuery, parse_query, run_poi
from locus_iac.functions.poi.preprocess import PreprocessParams, Projector, clean
from locus_iac.functions.poi.records import (
    LocationRecords,
    fetch_records,
    load_records_file,
    parse_records,
    records_from_objects,
)
from locus_iac.functions.poi.scoring import silhouette
from locus_iac.functions.poi.selection import BBox, GeoJsonPolygon, TimeInterval, select
from locus_iac.functions.poi.synthetic import SyntheticSpec, SyntheticTrace, generate

__all__ = [
    "METHODS",
    "NOISE",
    "BBox",
    "DbscanParams",
    "GeoJsonPolygon",
    "HcaParams",
    "LocationRecords",
    "OpticsParams",
    "PoiFeature",
    "PoiProperties",
    "PoiQuery",
    "PoiResult",
    "PreprocessParams",
    "Projector",
    "RunSummary",
    "SyntheticSpec",
    "SyntheticTrace",
    "TimeInterval",
    "clean",
    "cluster",
    "fetch_records",
    "generate",
    "load_records_file",
    "parse_query",
    "parse_records",
    "records_from_objects",
    "run_poi",
    "select",
    "silhouette",
]
