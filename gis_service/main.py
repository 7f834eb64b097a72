"""The FastAPI application: `create_app(settings)` builds it; the engine lives on app.state."""

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gis_service.admission import AdmissionLimit
from gis_service.db import check_connection, health_engine, resolve_database_url, service_engine
from gis_service.errors import install_error_handlers
from gis_service.notifier import Notifier
from gis_service.nul_guard import NulGuard
from gis_service.report_scheduler import start_report_scheduler
from gis_service.routes import include_routes
from gis_service.security_headers import SecurityHeaders
from gis_service.settings import Settings
from gis_service.tile_sharing import start_shared_tiles
from gis_service.upload_guard import UploadGuard

log = logging.getLogger("roadchief")


def create_app(settings: Settings | None = None, engine=None) -> FastAPI:
    """The service; `engine` lets tests share theirs, else one is made from the settings."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owns_engine = app.state.engine is None
        if owns_engine:
            app.state.engine = service_engine(resolve_database_url(settings, role="app"), settings)
        check_connection(app.state.engine)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        app.state.health_engine = health_engine(app.state.engine)
        check_connection(app.state.health_engine)  # its one connection opened now, not under load
        notifier = start_notifier(app.state.engine, settings)
        tiles = start_shared_tiles(app, settings)
        reports = start_report_scheduler(app.state.engine, settings)
        yield
        if reports is not None:
            reports.stop()
        tiles.close()
        if notifier is not None:
            notifier.stop()
        app.state.health_engine.dispose()
        if owns_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="roadchief",
        description="路长制 GIS: road segments, three-tier road chiefs, the issue ledger, vector tiles.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # gis_service/routes/docs.py serves Swagger UI from our own files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    app.add_middleware(AdmissionLimit, limit=settings.worker_threads, wait_s=settings.queue_timeout_s,
                       exempt=frozenset({"/api/health"}))
    # Outermost: a refused upload never waits for, nor holds, an admission slot.
    app.add_middleware(UploadGuard, max_bytes=lambda: settings.upload_max_bytes)
    include_routes(app)
    app.add_middleware(NulGuard)
    app.add_middleware(SecurityHeaders, basemap_url=settings.basemap_url)
    add_cors(app, settings.cors_origin_list())
    return app


def start_notifier(engine, settings: Settings) -> Notifier | None:
    """The outbox sender of this process (none when notify_interval_s is 0)."""
    if settings.notify_interval_s <= 0:
        return None
    notifier = Notifier(engine, settings.notify_policy(), settings.notify_interval_s)
    notifier.start()
    return notifier


def add_cors(app: FastAPI, origins: list[str]) -> None:
    """Outermost, so a preflight is answered before admission and routing; none by default."""
    if not origins:
        return
    # Bearer tokens, not cookies: no credentials mode needed.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Content-Disposition", "Retry-After"],
        max_age=600,
    )
