"""The summary printed by ``locus pkg show``: a header and a few aligned tables.

:func:`~locus_iac.packages.summary.summarise` turns a package into plain rows (also used for
``--json`` and by the console); :func:`render` aligns them as text.
"""

from __future__ import annotations

from locus_iac.packages.summary import Summary, Table, summarise

__all__ = ["Summary", "Table", "render", "summarise"]


def render(summary: Summary) -> str:
    """Aligned plain text: ``key: value`` lines, then one titled table per section."""
    width = max(len(k) for k, _ in summary.header)
    lines = [f"{key.ljust(width)}  {value}" for key, value in summary.header if value]
    for table in summary.tables:
        widths = [
            max(len(table.columns[i]), *(len(row[i]) for row in table.rows))
            for i in range(len(table.columns))
        ]
        lines += ["", f"{table.title}:"]
        lines.append(
            "  "
            + "  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)).rstrip()
        )
        lines.append("  " + "  ".join("-" * w for w in widths))
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in table.rows
        ]
    return "\n".join(lines)
