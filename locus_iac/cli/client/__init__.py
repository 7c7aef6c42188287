"""The CLI client of the NBI: ``locus login``, ``locus vnfpkg|nsd|nst ...``, ``locus site ...``.

It talks HTTP (httpx) to a running ``locus serve``; the token from ``locus login`` is cached
with mode 0600 in ``$LOCUS_CONFIG_DIR`` (default ``~/.config/locus``).
"""

from locus_iac.cli.client.api import ApiClient, Session, load_session, save_session

__all__ = ["ApiClient", "Session", "load_session", "save_session"]
