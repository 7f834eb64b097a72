"""Segments and their chiefs: GeoJSON, details, assign / unassign, many at once, history."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser, without_phones
from gis_service.db import Conn
from gis_service.params import Int32
from roads import assign_preview, assignments, segments
from roads.errors import InvalidInput
from roads.users import require_district_admin

router = APIRouter(prefix="/api", tags=["segments"])
Tier = Annotated[Int32, Field(ge=1, le=3)]


class ChiefIn(BaseModel):
    chief_id: Int32


class AssignmentItem(BaseModel):
    segment_id: Int32
    tier: Tier
    chief_id: Int32 | None = Field(None, description="null ends the current assignment")


class AssignmentsIn(BaseModel):
    items: list[AssignmentItem] = Field(default_factory=list, description="each segment and tier")
    segment_ids: list[Int32] = Field(default_factory=list, description="or: many segments, one tier/chief")
    tier: Tier | None = None
    chief_id: Int32 | None = None


def limit_m(request: Request) -> float:
    return request.app.state.settings.chief_length_limit_m


@router.get("/segments")
def list_segments(
    conn: Conn,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    road: Annotated[str | None, Query(description="road name or id")] = None,
    community: Int32 | None = None,
    sub_district: Int32 | None = None,
    uncovered: Annotated[str | None, Query(description="1, 2, 3: that tier missing; any; all")] = None,
    ids: Annotated[str | None, Query(description="comma-separated segment ids")] = None,
    chief: Annotated[Int32 | None, Query(description="segments this chief holds at any tier")] = None,
) -> Response:
    id_list = segments.parse_ids(ids) if ids else None
    body = segments.segments_geojson(conn, bbox, road, community, sub_district, uncovered, id_list, chief)
    return Response(body, media_type="application/geo+json")


@router.get("/roads")
def search_roads(conn: Conn, q: str = "", limit: Int32 = 20) -> list[dict]:
    return segments.search_roads(conn, q, limit)


class RoadIn(BaseModel):
    name: str = Field(description="the road's new name, e.g. for a generated 无名路（近…路）")


@router.patch("/roads/{road_id}")
def rename_road(road_id: Int32, body: RoadIn, conn: Conn, user: OptionalUser) -> dict:
    """Rename a road (district admin); its segments, chiefs and issues stay as they are."""
    require_district_admin(user)
    return segments.rename_road(conn, road_id, body.name)


@router.get("/segments/{segment_id}")
def get_segment(segment_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    detail = segments.segment_detail(conn, segment_id)
    tiers = list(detail["chiefs"])
    shown = without_phones([detail["chiefs"][tier] for tier in tiers], user)
    return {**detail, "chiefs": dict(zip(tiers, shown, strict=True))}


@router.put("/segments/{segment_id}/chiefs/{tier}")
def put_chief(segment_id: Int32, tier: Int32, body: ChiefIn, conn: Conn, user: OptionalUser,
              request: Request) -> dict:
    change = assignments.assign_chief(conn, user, segment_id, tier, body.chief_id, limit_m(request))
    return change.as_dict()


@router.delete("/segments/{segment_id}/chiefs/{tier}")
def delete_chief(segment_id: Int32, tier: Int32, conn: Conn, user: OptionalUser) -> dict:
    return assignments.unassign_chief(conn, user, segment_id, tier).as_dict()


@router.post("/assignments")
def post_assignments(body: AssignmentsIn, conn: Conn, user: OptionalUser, request: Request) -> dict:
    """All or nothing: the first refused item rolls back every change of the request."""
    items = [item.model_dump() for item in body.items]
    if body.segment_ids:
        if body.tier is None:
            raise InvalidInput("give tier with segment_ids",
                               "给出 segment_ids 时须同时给出级别 tier")
        items += [{"segment_id": s, "tier": body.tier, "chief_id": body.chief_id} for s in body.segment_ids]
    changes = assignments.apply_many(conn, user, items, limit_m(request))
    warnings = sorted({c.warning for c in changes if c.warning})
    return {"changes": [c.as_dict() for c in changes], "warnings": warnings,
            "changed": sum(c.action != "unchanged" for c in changes)}


class PreviewIn(BaseModel):
    segment_ids: list[Int32] = Field(description="the selection, e.g. every segment of a searched road")
    tier: Tier
    q: str | None = Field(None, description="only chiefs whose name (or phone) contains this")


@router.post("/assignments/preview")
def preview_assignments(body: PreviewIn, conn: Conn, user: OptionalUser) -> dict:
    """The selection split for assigning: groups inside the user's jurisdiction, one per area whose
    chiefs are eligible at the tier (tier 3: the community), each with those chiefs; the rest out
    of reach. Writes nothing."""
    result = assign_preview.preview(conn, user, body.segment_ids, body.tier, body.q)
    for group in result["groups"]:
        group["eligible_chiefs"] = without_phones(group["eligible_chiefs"], user)
    return result


@router.get("/segments/{segment_id}/history")
def get_history(segment_id: Int32, conn: Conn) -> dict:
    return assignments.history(conn, segment_id)
