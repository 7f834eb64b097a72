"""Shops and their weekly red/black flags: /api/shops, /api/shop-flags, /api/flag-rules and the
红黑榜 (/api/exports/red-black-list.pdf)."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gis_service.auth import OptionalUser
from gis_service.db import Conn
from gis_service.params import Int32, Text
from gis_service.routes.exports import stream
from gis_service.upload_guard import too_large
from maps.red_black_list import red_black_pdf, tallies_workbook
from roads.shops import flags, rules, shops, tallies
from roads.shops.weeks import label, past_week, this_monday

router = APIRouter(prefix="/api", tags=["shops"])
Week = Annotated[str | None, Query(max_length=20, description="2026-W47 or a day of the week; default this week")]


class ShopBody(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    licence_no: Text | None = Field(None, max_length=100)
    shop_type: Text | None = Field(None, max_length=100)
    source_key: Text | None = Field(None, max_length=200)


class ShopPatch(BaseModel):
    name: Text | None = Field(None, min_length=1, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    licence_no: Text | None = Field(None, max_length=100)
    shop_type: Text | None = Field(None, max_length=100)


class FlagBody(BaseModel):
    shop_id: Int32
    week: Text = Field(max_length=20, description="2026-W47 or a day of that week")
    flag: Text = Field(max_length=10, description="red, black or none (红旗/黑旗/无)")
    order_score: int | None = Field(None, ge=0, le=100, description="秩序 0–100")
    hygiene_score: int | None = Field(None, ge=0, le=100, description="卫生 0–100")
    facade_score: int | None = Field(None, ge=0, le=100, description="立面 0–100")
    inspector: Text | None = Field(None, max_length=100)


class RuleBody(BaseModel):
    consecutive_black: int = Field(ge=1, le=52)
    community_id: Int32 | None = None
    sub_district_id: Int32 | None = None


def the_week(week: str | None):
    return past_week(week) if week else this_monday()


def snap_m(request: Request) -> float:
    return request.app.state.settings.snap_distance_m


@router.get("/shops")
def list_shops(conn: Conn, community_id: Int32 | None = None, road_id: Int32 | None = None,
               segment_id: Int32 | None = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> list[dict]:
    """Shops with their street, community, this week's flag and 停业整顿 state; filter by area."""
    return shops.list_shops(conn, community_id, road_id, segment_id, limit=limit)


@router.post("/shops", status_code=201)
def create_shop(body: ShopBody, request: Request, conn: Conn, user: OptionalUser) -> dict:
    return shops.create_shop(conn, user, shops.ShopIn(**body.model_dump()), snap_m(request))


@router.get("/shops/{shop_id}")
def get_shop(shop_id: Int32, conn: Conn) -> dict:
    return shops.get_shop(conn, shop_id)


@router.patch("/shops/{shop_id}")
def patch_shop(shop_id: Int32, body: ShopPatch, request: Request, conn: Conn,
               user: OptionalUser) -> dict:
    return shops.update_shop(conn, user, shop_id, body.model_dump(exclude_unset=True), snap_m(request))


@router.delete("/shops/{shop_id}", status_code=204)
def delete_shop(shop_id: Int32, conn: Conn, user: OptionalUser) -> None:
    shops.delete_shop(conn, user, shop_id)


@router.get("/shops/{shop_id}/flags")
def shop_flags(shop_id: Int32, conn: Conn) -> dict:
    """The shop's flags week by week, the audit of every entry, its 停业整顿 periods."""
    return flags.flag_history(conn, shop_id)


@router.post("/shop-flags")
def enter_flag(body: FlagBody, request: Request, conn: Conn, user: OptionalUser) -> dict:
    """Enter a shop's flag for a week (again: it is updated, and the audit keeps both)."""
    return flags.enter_flag(conn, user, flags.FlagIn(**body.model_dump()), snap_m(request))


@router.post("/shop-flags/import")
def import_flags(request: Request, conn: Conn, user: OptionalUser,
                 file: Annotated[UploadFile, File(description="CSV or XLSX: shop_id, week, flag, 秩序, 卫生, 立面")],
                 dry_run: Annotated[bool, Form()] = False) -> dict:
    """A sheet of flags, all or nothing: one bad row is a 422 naming its row and column."""
    limit = request.app.state.settings.upload_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return flags.import_flag_sheet(conn, user, data, file.filename or "upload.csv", snap_m(request),
                                   dry_run=dry_run)


@router.get("/shop-flags/mine")
def my_shops(conn: Conn, user: OptionalUser, week: Week = None) -> dict:
    """The shops the signed-in user may flag, with the week's flags (the phone's 红黑旗 tab)."""
    monday = the_week(week)
    return {"week": monday, "week_label": label(monday), "shops": flags.my_shops(conn, user, monday)}


@router.get("/shop-flags/tallies")
def week_tallies(conn: Conn, week: Week = None) -> dict:
    """Red/black/none per street and per community, streets ranked by red share."""
    return tallies.week_tallies(conn, the_week(week))


@router.get("/flag-rules")
def list_rules(conn: Conn) -> list[dict]:
    """How many consecutive black weeks put a shop under 停业整顿: default and overrides."""
    return rules.list_rules(conn)


@router.put("/flag-rules")
def set_rule(body: RuleBody, conn: Conn, user: OptionalUser) -> dict:
    return rules.set_rule(conn, user, body.consecutive_black, body.community_id, body.sub_district_id)


@router.delete("/flag-rules/{rule_id}")
def delete_rule(rule_id: Int32, conn: Conn, user: OptionalUser) -> dict:
    return rules.delete_rule(conn, user, rule_id)


@router.get("/exports/red-black-list.pdf")
def red_black_list(conn: Conn, week: Week = None) -> StreamingResponse:
    """The week's 红黑榜 (A4): red and black lists, shops under 停业整顿, streets by red share."""
    monday = the_week(week)
    return stream(red_black_pdf(conn, monday), "pdf", f"red-black-list-{label(monday)}",
                  f"红黑榜-{label(monday)}")


@router.get("/exports/red-black-list.xlsx")
def red_black_xlsx(conn: Conn, week: Week = None) -> StreamingResponse:
    """The week's tallies per street and community and its red and black lists as a workbook."""
    monday = the_week(week)
    return stream(tallies_workbook(conn, monday), "xlsx", f"red-black-list-{label(monday)}",
                  f"红黑榜-{label(monday)}")
