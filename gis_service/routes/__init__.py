"""Every router of the service, registered in one place: create_app calls include_routes."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gis_service.routes import (
    assignment_import,
    auth,
    chief_tree,
    chiefs,
    coverage,
    density,
    district,
    docs,
    dust,
    exports,
    health,
    imports,
    inspections,
    issues,
    notifications,
    ogc,
    open311,
    patrols,
    penalties,
    phone,
    reports,
    segments,
    shops,
    styles,
    tiles,
    units,
    webmap,
    work_calendar,
)

# In matching order; each module has one APIRouter called `router`.
MODULES = (health, docs, district, imports, ogc, exports, issues, density, open311, tiles, styles,
           auth, segments, assignment_import, chiefs, coverage, units, notifications, work_calendar,
           patrols, penalties, phone, reports, chief_tree, dust, shops, inspections, webmap)


def include_routes(app: FastAPI) -> None:
    for module in MODULES:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=webmap.STATIC_DIR), name="static")
