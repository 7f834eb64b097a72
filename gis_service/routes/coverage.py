"""GET /api/coverage: km and share covered per tier, party share, uncovered segments, ranking."""

from typing import Literal

from fastapi import APIRouter

from gis_service.db import Conn
from gis_service.params import Int32
from roads import coverage as stats

router = APIRouter(prefix="/api", tags=["coverage"])


@router.get("/coverage")
def get_coverage(conn: Conn, level: Literal["district", "sub_district", "community"] = "district",
                 id: Int32 | None = None, uncovered_limit: Int32 = 200) -> dict:
    return stats.coverage(conn, level, id, max(0, min(uncovered_limit, 5000)))
