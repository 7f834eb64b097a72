"""Issue density per road segment: GET /api/density and one segment's time series."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from gis_service.db import Conn
from gis_service.params import Int32
from gis_service.routes.issues import GEOJSON, csv_list, wants_geojson
from gis_service.routes.ledger_route import LedgerRoute
from roads.issues import density, repository
from roads.issues.window import parse_window

router = APIRouter(prefix="/api", tags=["density"], route_class=LedgerRoute)

FromQ = Annotated[
    str | None, Query(alias="from", description="ISO date or datetime (default: 30 days before to)")
]
ToQ = Annotated[str | None, Query(description="ISO date (inclusive) or datetime (default: now)")]
CategoryQ = Annotated[str | None, Query(description="Codes, comma-separated; T03 = all of T03.xx")]
StatusQ = Annotated[str | None, Query(description="Statuses, comma-separated")]


def density_filter(conn, from_, to, category, status, community=None, sub_district=None):
    categories, statuses = csv_list(category), csv_list(status)
    if categories:
        repository.check_categories(conn, categories)
    if statuses:
        repository.check_statuses(statuses)
    return density.DensityFilter(
        window=parse_window(from_, to, default_days=30),
        categories=categories,
        statuses=statuses,
        community_id=community,
        sub_district_id=sub_district,
    )


@router.get("/density")
def segment_density(
    conn: Conn,
    request: Request,
    from_: FromQ = None,
    to: ToQ = None,
    category: CategoryQ = None,
    status: StatusQ = None,
    community: Int32 | None = None,
    sub_district: Int32 | None = None,
    sort: Annotated[
        str, Query(description="per_km, per_km_30d, issue_count, length_m or segment_id")
    ] = "per_km",
    page: Annotated[Int32, Query(ge=1)] = 1,
    page_size: Annotated[Int32, Query(ge=1, le=5000)] = 100,
    format: Annotated[
        str | None, Query(description="json or geojson (or Accept: application/geo+json)")
    ] = None,
):
    """Every segment's issue count, issues per km and per km per 30 days in the window, densest first."""
    geojson = wants_geojson(request, format)
    where = density_filter(conn, from_, to, category, status, community, sub_district)
    result = density.segment_density_page(
        conn, where, sort, page_size, (page - 1) * page_size, with_geometry=geojson
    )
    meta = {
        "from": where.window.start,
        "to": where.window.end,
        "sort": sort,
        "page": page,
        "page_size": page_size,
        "segments": result["segments"],
        "issues": result["issues"],
        "km": round(result["km"], 3),
        "unsnapped_issues": result["unsnapped_issues"],
    }
    fields = (
        "segment_id",
        "road_name",
        "road_class",
        "community_id",
        "community_name",
        "sub_district_id",
        "sub_district_name",
        "length_m",
        "issue_count",
        "per_km",
        "per_km_30d",
    )
    items = [{f: row[f] for f in fields} for row in result["rows"]]
    if geojson:
        import json

        features = [
            {
                "type": "Feature",
                "id": item["segment_id"],
                "properties": item,
                "geometry": json.loads(row["geometry"]),
            }
            for item, row in zip(items, result["rows"], strict=True)
        ]
        body = {
            "type": "FeatureCollection",
            **meta,
            "numberMatched": result["segments"],
            "numberReturned": len(features),
            "features": features,
        }
        return JSONResponse(jsonable_encoder(body), media_type=GEOJSON)
    return {**meta, "items": items}


@router.get("/segments/{segment_id}/density")
def one_segment_density(
    conn: Conn,
    segment_id: Int32,
    from_: FromQ = None,
    to: ToQ = None,
    category: CategoryQ = None,
    status: StatusQ = None,
    interval: Annotated[str, Query(description="day or week (weeks start on Monday)")] = "day",
) -> dict:
    """One segment's density for the window and its issues per day or week (Beijing time)."""
    where = density_filter(conn, from_, to, category, status)
    series = density.segment_series(conn, segment_id, where, interval)
    return {"from": where.window.start, "to": where.window.end, **series}
