"""The web-map feature's routers (auth, segments, chiefs, coverage, static map), registered in one call."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gis_service.routes import assignment_import, auth, chiefs, coverage, segments, webmap


def include(app: FastAPI) -> None:
    for module in (auth, segments, assignment_import, chiefs, coverage, webmap):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=webmap.STATIC_DIR), name="static")
