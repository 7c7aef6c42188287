"""The operator console in the browser, served under ``/ui`` by ``locus serve``.

* :mod:`.session` — the HttpOnly session cookie and the CSRF token of state changes;
* :mod:`.pages` — log-in form, page shell, session info, log-out;
* :mod:`.views` — topology, site reachability, live operation progress (server-sent events);
* ``static/`` — the page's HTML, CSS and script (no build step, nothing from the internet).
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from locus_iac.nbi.ui import pages, views


def install(app: FastAPI) -> None:
    """Serve the console under ``/ui`` of ``app``."""
    static = resources.files("locus_iac.nbi.ui").joinpath("static")
    app.include_router(pages.router)
    app.include_router(views.router)
    app.mount("/ui/static", StaticFiles(directory=str(static)), name="ui-static")
