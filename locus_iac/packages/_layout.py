"""Where the descriptor is inside a package.

* A CSAR (SOL004 v4.x / SOL007 section 4.1): ``TOSCA-Metadata/TOSCA.meta`` names the entry
  descriptor with ``Entry-Definitions:`` (for SOL006 packages a YAML document). Used whether
  the CSAR arrives as a zip or as a tar.gz.
* The OSM layout (also a CSAR without TOSCA-Metadata, SOL004 section 4.3.1): exactly one
  ``.yaml``/``.yml`` file directly in the package's top folder; other YAML files (Helm
  values, playbooks) live in sub-folders.
"""

from __future__ import annotations

from collections.abc import Mapping

from locus_iac.errors import Issue
from locus_iac.packages._collect import member_pointer

TOSCA_META = "TOSCA-Metadata/TOSCA.meta"
YAML_SUFFIXES = (".yaml", ".yml")


def parse_tosca_meta(text: bytes) -> dict[str, str]:
    """The ``Key: value`` entries of a TOSCA.meta file (block 0 and later blocks alike)."""
    entries: dict[str, str] = {}
    for raw in text.decode("utf-8", errors="replace").splitlines():
        key, sep, value = raw.partition(":")
        if sep and key.strip() and not raw.startswith((" ", "\t")):
            entries.setdefault(key.strip(), value.strip())
    return entries


def locate_descriptor(files: Mapping[str, bytes], prefix: str) -> tuple[str | None, list[Issue]]:
    """Return the path (relative to the top folder) of the package's descriptor."""
    if TOSCA_META in files:
        return _from_tosca_meta(files, prefix)
    top_level = sorted(p for p in files if "/" not in p and p.lower().endswith(YAML_SUFFIXES))
    if len(top_level) == 1:
        return top_level[0], []
    where = member_pointer(prefix) if prefix else "/archive"
    if not top_level:
        return None, [
            Issue(
                where,
                "missing-descriptor",
                "no descriptor: the top folder holds no .yaml/.yml file and there is no "
                f"{TOSCA_META}",
            )
        ]
    return None, [
        Issue(
            where,
            "multiple-descriptors",
            f"more than one descriptor in the top folder: {', '.join(top_level)}",
        )
    ]


def _from_tosca_meta(files: Mapping[str, bytes], prefix: str) -> tuple[str | None, list[Issue]]:
    where = member_pointer(f"{prefix}{TOSCA_META}")
    entry = parse_tosca_meta(files[TOSCA_META]).get("Entry-Definitions")
    if not entry:
        return None, [Issue(where, "invalid-tosca-meta", "TOSCA.meta has no Entry-Definitions")]
    path = "/".join(p for p in entry.split("/") if p not in ("", "."))
    if path not in files:
        return None, [
            Issue(
                where,
                "missing-descriptor",
                f"Entry-Definitions names {entry!r}, which is not in the package",
            )
        ]
    return path, []
