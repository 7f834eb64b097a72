"""The FastAPI application: `create_app(settings)` builds it; the engine lives on app.state."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gis_service.db import check_connection, make_engine, resolve_database_url
from gis_service.errors import install_error_handlers
from gis_service.nul_guard import NulGuard
from gis_service.routes import density, health, imports, issues, ogc, open311, tiles, webmap_routes
from gis_service.routes import exports as exports_routes
from gis_service.security_headers import SecurityHeaders
from gis_service.settings import Settings

log = logging.getLogger("roadchief")


def create_app(settings: Settings | None = None, engine=None) -> FastAPI:
    """The service; `engine` lets tests share theirs, else one is made from the settings."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owns_engine = app.state.engine is None
        if owns_engine:
            app.state.engine = make_engine(resolve_database_url(settings), settings.db_pool_size)
        check_connection(app.state.engine)
        yield
        if owns_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="roadchief",
        description="路长制 GIS: road segments, three-tier road chiefs, the issue ledger, vector tiles.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(imports.router)
    app.include_router(ogc.router)
    app.include_router(exports_routes.router)
    app.include_router(issues.router)
    app.include_router(density.router)
    app.include_router(open311.router)
    app.include_router(tiles.router)
    webmap_routes.include(app)
    app.add_middleware(NulGuard)
    app.add_middleware(SecurityHeaders, basemap_url=settings.basemap_url)
    return app
