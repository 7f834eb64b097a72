"""The web-map feature's routers (auth, segments, chiefs, coverage, static map), registered in one call."""

from fastapi import FastAPI

from gis_service.routes import auth


def include(app: FastAPI) -> None:
    app.include_router(auth.router)
