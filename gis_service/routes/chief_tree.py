"""The chief tree (GET /api/chief-tree, the page /tree), street chiefs and their backing party
members (PUT /api/roads/{id}/street-chief), and the user↔chief link (PUT/DELETE /api/users/{id}/chief)."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.filters import AreaId
from gis_service.params import Int32
from gis_service.routes.patrols import Week, WindowFrom, WindowTo
from gis_service.routes.webmap import STATIC_DIR
from roads import chief_tree, chief_work
from roads.patrols.rates import patrol_window

router = APIRouter(tags=["chief tree"])


class StreetChiefIn(BaseModel):
    chief_id: Int32 | None = Field(None, description="the 街长; null clears it")
    party_backer_ids: list[Int32] = Field([], description="up to 3 party members who back the 街长")


class GeneralIn(BaseModel):
    rank: Int32 | None = Field(description="1 总路长, 2 副总路长, null: not a general chief")


class ChiefLinkIn(BaseModel):
    chief_id: Int32


@router.get("/tree", include_in_schema=False)
def tree_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "phone" / "tree.html", headers={"Cache-Control": "no-cache"})


@router.get("/api/chief-tree")
def get_chief_tree(
    conn: Conn, user: OptionalUser,
    sub_district: AreaId = None, community: AreaId = None,
    depth: Literal["district", "sub_district", "community", "road", "segment"] = "segment",
    from_: WindowFrom = None, to: WindowTo = None, week: Week = None,
) -> dict:
    """District → sub-district → community → road → segment with each node's chiefs and their
    patrol rate (this week by default); phone numbers for signed-in users only."""
    window = patrol_window(from_, to, week)
    return chief_tree.chief_tree(conn, window, user is not None, sub_district, community, depth)


@router.put("/api/roads/{road_id}/street-chief")
def put_street_chief(road_id: Int32, body: StreetChiefIn, conn: Conn, user: OptionalUser) -> dict:
    """Set a road's 街长 and the party members backing them, replacing the former (district admin)."""
    return chief_tree.set_street_chief(conn, user, road_id, body.chief_id, body.party_backer_ids)


@router.put("/api/chiefs/{chief_id}/general")
def put_general_rank(chief_id: Int32, body: GeneralIn, conn: Conn, user: OptionalUser) -> dict:
    """Make a chief the district's 总路长 or 副总路长 (patrolled by the tier-0 rule), or neither."""
    return chief_tree.set_general_rank(conn, user, chief_id, body.rank)


@router.put("/api/users/{user_id}/chief")
def put_user_chief(user_id: Int32, body: ChiefLinkIn, conn: Conn, user: OptionalUser) -> dict:
    """Link a user to the chief they are (district admin), so the phone knows whose segments."""
    return chief_work.link_chief(conn, user, user_id, body.chief_id)


@router.delete("/api/users/{user_id}/chief")
def delete_user_chief(user_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    return chief_work.unlink_chief(conn, user, user_id)
