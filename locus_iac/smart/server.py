"""``locus smart serve``'s HTTP side: Alertmanager's webhook and a health endpoint.

``POST /alerts`` takes an Alertmanager webhook payload (version 4), queues its alerts and
answers ``200`` at once (a bad payload: ``422`` problem+json whose ``errors`` carry JSON
pointers). ``GET /health`` answers ``{"status": "ok", "queued": n}``; ``GET /decisions``
the latest decisions (the JSON lines of the decision log).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from locus_iac.errors import ValidationError
from locus_iac.smart.alerts import parse_notification
from locus_iac.smart.decisions import DecisionLog
from locus_iac.smart.dispatch import Dispatcher

MAX_BODY = 4 * 1024 * 1024


def _problem(status: int, title: str, detail: str, **more: Any) -> JSONResponse:
    body = {"status": status, "title": title, "detail": detail, "type": "about:blank", **more}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def build_app(dispatcher: Dispatcher, log: DecisionLog) -> FastAPI:
    app = FastAPI(title="LOCUS smart NFV functions", docs_url=None, redoc_url=None)

    @app.post("/alerts")
    async def alerts(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return _problem(413, "Payload Too Large", f"over {MAX_BODY} bytes")
        try:
            notification = parse_notification(body)
        except ValidationError as exc:
            errors = [{"path": i.path, "code": i.code, "message": i.message} for i in exc.issues]
            return _problem(422, "Unprocessable Entity", exc.message, errors=errors)
        for alert in notification.alerts:
            dispatcher.submit(alert)
        return JSONResponse({"accepted": len(notification.alerts)})

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "queued": dispatcher.depth}

    @app.get("/decisions")
    def decisions() -> list[dict[str, Any]]:
        return log.latest()

    return app
