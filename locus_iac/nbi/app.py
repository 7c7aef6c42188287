"""The NBI application factory (``uvicorn --factory locus_iac.nbi.app:create_app``).

Start-up: open the catalogue database (SQLite in the data dir or ``LOCUS_DATABASE_URL``),
apply the Alembic migrations, return interrupted uploads to their previous state, make sure
user ``admin`` exists (needs ``LOCUS_ADMIN_PASSWORD`` on the first start), load the key that
encrypts site credentials. Then serve SOL005 / OSM paths (Annex B of the seed), at the root
and under ``/osm`` (:mod:`locus_iac.nbi.osm`); the operator console under ``/ui``
(:mod:`locus_iac.nbi.ui`).
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import update

from locus_iac import __version__
from locus_iac.catalogue import (
    Database,
    Inspector,
    OnboardingState,
    PackageInspector,
    SecretBox,
    ensure_admin,
)
from locus_iac.catalogue.database import MIN_POOL, POOL_SIZE
from locus_iac.catalogue.models import PackageRow
from locus_iac.errors import LocusError
from locus_iac.lcm import PRODUCT_RUNNER, RunnerFactory
from locus_iac.lcm.service import LcmService
from locus_iac.monitoring import MonitoringSettings, settings_from
from locus_iac.monitoring.metrics import ManoMetrics
from locus_iac.monitoring.service import BusFactory, MonitoringService, kafka_bus
from locus_iac.nbi import api_versions, openapi, problems, semantics, ui
from locus_iac.nbi.context import Services
from locus_iac.nbi.edge import Edge
from locus_iac.nbi.hot import install as install_hot_reads
from locus_iac.nbi.observability import router as metrics_router
from locus_iac.nbi.osm import ns_content, version
from locus_iac.nbi.owner import OwnerRole, serve_workers, start_lock
from locus_iac.nbi.routers import (
    admin,
    content,
    nsilcm,
    nslcm,
    nsupdate,
    packages,
    sites,
    subscriptions,
)
from locus_iac.nbi.settings import Settings
from locus_iac.nbi.throttle import SHARED_FILE, LoginThrottle, SharedRecords
from locus_iac.nbi.workers import UploadPool
from locus_iac.notifications import CallbackClient, NotificationDrainer, NotifySettings

log = logging.getLogger(__name__)


def _recover(db: Database) -> None:
    """Uploads cut short by a crash return to CREATED (they were never committed)."""
    with db.session() as session:
        result = session.execute(
            update(PackageRow)
            .where(
                PackageRow.onboarding_state.in_(
                    [OnboardingState.UPLOADING.value, OnboardingState.PROCESSING.value]
                )
            )
            .values(onboarding_state=OnboardingState.CREATED.value)
        )
        count = getattr(result, "rowcount", 0)
    if count:
        log.warning("%d interrupted upload(s) returned to CREATED", count)


def open_services(settings: Settings, inspector: Inspector | None = None) -> Services:
    """Open and prepare everything the app needs; raises LocusError with a clear message.
    Interrupted uploads are returned by :func:`create_app` (the owner process only)."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)  # the catalogue, the secret key: the owner's only
    # serving processes of one ``locus serve --workers N`` split the database's connections
    db = Database(settings.url, connections=max(MIN_POOL, POOL_SIZE // serve_workers()))
    db.migrate()
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    with db.session() as session:
        ensure_admin(session, password)
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    box = SecretBox.from_data_dir(settings.data_dir, key)
    return Services(settings, db, box, inspector or PackageInspector())


def _open(settings: Settings, inspector: Inspector | None) -> tuple[Services, OwnerRole]:
    """Open the services one serving process at a time; the first owner of this run (the
    one process, without ``--workers``) returns interrupted uploads to CREATED."""
    role = OwnerRole.from_env(settings.data_dir)
    with start_lock(settings.data_dir):
        svc = open_services(settings, inspector)
        if role.try_acquire() and role.first:
            _recover(svc.db)
    return svc, role


def _warm_routes(app: FastAPI) -> None:
    """Match one request that no route serves against every route, so that FastAPI builds its
    per-route state (dependency graphs, validators) now instead of on the first request to
    each router (seconds of CPU under load, all on the event loop; issue 19)."""
    scope = {"type": "http", "method": "GET", "path": "/-warm-up-", "root_path": "", "headers": []}
    for route in app.router.routes:
        route.matches(dict(scope))


def _monitoring_from_env() -> MonitoringSettings | None:
    try:
        return settings_from(None)
    except LocusError as exc:
        log.error("cannot start: %s", exc)
        raise SystemExit(f"locus serve: cannot start: {exc}") from None


def _notify_from_env() -> NotifySettings:
    try:
        return NotifySettings.from_env()
    except LocusError as exc:
        log.error("cannot start: %s", exc)
        raise SystemExit(f"locus serve: cannot start: {exc}") from None


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Move start-up's heap (modules, routes, schemas, the LCM's objects) to the permanent
    generation, once per process: a full collection then walks only what requests made since.
    Without it each full collection of a serving process took 100-175 ms, the whole p99 tail of
    a list at 50 clients. Start-up's garbage is collected first, so none of it is kept for good;
    a second app in the same process (tests) gains nothing from freezing again."""
    global _heap_frozen
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen = True


def create_app(
    settings: Settings | None = None,
    inspector: Inspector | None = None,
    runner: RunnerFactory = PRODUCT_RUNNER,
    monitoring: MonitoringSettings | None = None,
    event_bus: BusFactory = kafka_bus,
    notify: NotifySettings | None = None,
) -> FastAPI:
    """Build the NBI. Without arguments, settings come from the environment (``Settings``,
    ``LOCUS_MONITORING``) and operations run with the product's runner (Pulumi + Ansible);
    ``runner`` gives another (tests), ``monitoring`` and ``event_bus`` the monitoring
    platform (tests; without ``monitoring`` it is off), ``notify`` the delivery of
    notifications (default: ``LOCUS_NOTIFY_*`` of the environment).

    Launched that way (by ``locus serve``), a start-up problem (no admin password on the
    first start, a bad setting, an unreachable database) ends the process with one clear
    line instead of a traceback.
    """
    from_env = settings is None
    if from_env:
        monitoring = _monitoring_from_env()
    try:
        svc, role = _open(settings or Settings.from_env(), inspector)
    except LocusError as exc:
        if not from_env:
            raise
        log.error("cannot start: %s", exc)
        raise SystemExit(f"locus serve: cannot start: {exc}") from None
    address = os.environ.get("LOCUS_SERVE_ADDRESS")  # set by locus serve: host:port
    watch = MonitoringService(svc.db, monitoring, address=address, bus=event_bus)
    notify = notify or _notify_from_env()
    callbacks = CallbackClient(notify)
    notifier = NotificationDrainer(svc.db, svc.box, callbacks, notify)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _warm_routes(_app)
        # the threads of the blocking handlers (sync routes and dependencies), this loop's
        to_thread.current_default_thread_limiter().total_tokens = svc.settings.threads

        started: list[LcmService] = []  # this lifespan's LCM: stopped by this lifespan only

        def duties() -> None:  # the owner's (see locus_iac.nbi.owner)
            lcm = LcmService.from_env(svc.db, svc.settings.data_dir, runner)  # recovery, workers
            lcm.start()
            started.append(lcm)
            _app.state.lcm = lcm
            watch.start()  # the monitoring outbox drain (drops rows when monitoring is off)
            notifier.start()  # SOL005 notifications to subscribers

        role.start(duties)
        _freeze_startup_heap()
        yield
        role.stop()
        notifier.stop()
        _app.state.uploads.shutdown()  # uploads in progress stop at their next check
        for lcm in started:
            lcm.stop()  # no worker process outlives the server
        watch.stop()
        role.release()
        if svc.db.clock is not None:
            await svc.db.clock.aclose()  # this loop's connection (opened by the hot reads)
        svc.db.dispose()

    app = FastAPI(
        title="LOCUS MANO northbound API",
        version=__version__,
        description=(
            "ETSI NFV-SOL005 package management (NSD, VNF packages) and OSM netslice "
            "templates, users, projects, tokens and sites. Errors are SOL013 "
            "ProblemDetails (application/problem+json)."
        ),
        lifespan=lifespan,
        dependencies=[Depends(semantics.accept_json)],  # 406 on every JSON operation
    )
    app.state.services = svc
    app.state.monitoring = watch
    app.state.callbacks, app.state.notifier = callbacks, notifier
    app.state.metrics = ManoMetrics(svc.db, watch.stats)
    conf = svc.settings
    app.state.uploads = UploadPool(conf.upload_workers, conf.upload_queue, conf.upload_seconds)
    shared = SharedRecords(conf.data_dir / SHARED_FILE) if serve_workers() > 1 else None
    app.state.login_throttle = LoginThrottle(conf.login_failures, records=shared)
    # the one middleware: /osm prefix, body limit and timeout, request metrics
    app.add_middleware(
        Edge,
        metrics=app.state.metrics,
        max_body=conf.max_upload_bytes,
        body_seconds=conf.body_timeout,
    )
    problems.install(app)
    app.include_router(admin.router)
    app.include_router(sites.router)
    app.include_router(nslcm.router)
    app.include_router(nsupdate.router)
    app.include_router(nsilcm.router)
    app.include_router(version.router)
    app.include_router(api_versions.router)
    app.include_router(metrics_router)
    app.include_router(ns_content.router)
    app.include_router(ns_content.nsi_router)
    for router in packages.ROUTERS:
        app.include_router(router)
    for router in content.ROUTERS:
        app.include_router(router)
    for router in subscriptions.ROUTERS:
        app.include_router(router)
    ui.install(app)  # the operator console under /ui
    install_hot_reads(app)  # the hot package reads with the least framework per request
    openapi.install(app)  # every status each operation can answer, as problem+json
    return app
