"""Issue density per road segment: GET /api/density and one segment's time series."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from gis_service.db import Conn
from gis_service.filters import MAX_ID, MAX_PAGE, issue_filter
from gis_service.routes.issues import GEOJSON, wants_geojson
from roads.issues import density
from roads.issues.filter import IssueFilter

router = APIRouter(prefix="/api", tags=["density"])

DensityFilter = Annotated[IssueFilter, Depends(issue_filter(default_days=30))]
SeriesFilter = Annotated[IssueFilter, Depends(issue_filter(default_days=30, area=False))]


@router.get("/density")
def segment_density(
    conn: Conn,
    request: Request,
    where: DensityFilter,
    sort: Annotated[
        str, Query(description="per_km, per_km_30d, issue_count, length_m or segment_id")
    ] = "per_km",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: Annotated[
        str | None, Query(description="json or geojson (or Accept: application/geo+json)")
    ] = None,
):
    """Every segment's issue count, issues per km and per km per 30 days in the window, densest first."""
    geojson = wants_geojson(request, format)
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
    segment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    where: SeriesFilter,
    interval: Annotated[str, Query(description="day or week (weeks start on Monday)")] = "day",
) -> dict:
    """One segment's density for the window and its issues per day or week (Beijing time)."""
    series = density.segment_series(conn, segment_id, where, interval)
    return {"from": where.window.start, "to": where.window.end, **series}
