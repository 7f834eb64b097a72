"""The web-map feature's routers (auth, segments, chiefs, coverage, static map), registered in one call."""

from fastapi import FastAPI

from gis_service.routes import assignment_import, auth, chiefs, coverage, segments


def include(app: FastAPI) -> None:
    for module in (auth, segments, assignment_import, chiefs, coverage):
        app.include_router(module.router)
