"""The SOL005 northbound API (FastAPI): ``create_app(settings)`` builds it.

Run it with ``locus serve``; see :mod:`locus_iac.nbi.app` and :mod:`locus_iac.nbi.settings`.
"""

from locus_iac.nbi.app import create_app, open_services
from locus_iac.nbi.settings import Settings

__all__ = ["Settings", "create_app", "open_services"]
