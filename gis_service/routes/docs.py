"""`/docs`: Swagger UI served from gis_service/static (vendored), so it works without the internet."""

from fastapi import APIRouter
from fastapi.responses import FileResponse

from gis_service.routes.webmap import STATIC_DIR

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def docs() -> FileResponse:
    return FileResponse(STATIC_DIR / "docs.html", headers={"Cache-Control": "no-cache"})
