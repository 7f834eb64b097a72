"""GET /api/coverage: km and share covered per tier, party share, uncovered segments, ranking."""

from typing import Literal

from fastapi import APIRouter

from gis_service.db import Conn
from gis_service.params import Int32
from gis_service.routes.patrols import Week, WindowFrom, WindowTo
from roads import coverage as stats
from roads.patrols.rates import patrol_window

router = APIRouter(prefix="/api", tags=["coverage"])


@router.get("/coverage")
def get_coverage(conn: Conn, level: Literal["district", "sub_district", "community"] = "district",
                 id: Int32 | None = None, uncovered_limit: Int32 = 200,
                 from_: WindowFrom = None, to: WindowTo = None, week: Week = None) -> dict:
    """Coverage per unit; `patrol` figures (due, done, rate) over from/to or week, default this week."""
    return stats.coverage(conn, level, id, max(0, min(uncovered_limit, 5000)), patrol_window(from_, to, week))
