-- A line as drawn in a vector tile: simplified to `tolerance` metres, clipped and snapped to the
-- tile's grid. A line shorter than one grid step would collapse and vanish from the tile
-- (ST_AsMVTGeom drops degenerate geometries); it becomes instead a one-step line at its midpoint,
-- which a client draws as a dot, so that every segment of the network is on the map at every zoom.
CREATE OR REPLACE FUNCTION roadchief.tile_line(
    geom geometry, envelope geometry, extent integer, buffer integer, tolerance float8
) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    drawn geometry;
    mid geometry;
BEGIN
    drawn := ST_AsMVTGeom(ST_Simplify(ST_Transform(geom, 3857), tolerance, true), envelope,
                          extent, buffer, true);
    IF drawn IS NOT NULL THEN
        RETURN drawn;
    END IF;
    mid := ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 3857);
    RETURN ST_AsMVTGeom(
        ST_MakeLine(mid, ST_Translate(mid, (ST_XMax(envelope) - ST_XMin(envelope)) / extent, 0)),
        envelope, extent, buffer, true);
END
$$;


-- The lines of one colour in a merged low-zoom tile, joined into as few pieces as the network
-- allows, simplified again by `tolerance` tile units and ordered in row bands of 64 units,
-- snaking, so that each MoveTo between two pieces is a short step. A city's z10 tile holds tens of
-- thousands of pieces, most of them one segment of two points, and a piece costs its MoveTo and
-- LineTo commands and the MoveTo's step besides its points (4 bytes of about 6): the pieces weigh,
-- not the points. ST_LineMerge joins lines only where exactly two meet, so a crossing keeps its
-- four pieces; here the line ends at every node are paired off two by two first (where d ends
-- meet, floor(d / 2) pieces run on through and at most one ends), which draws the same lines in
-- about a quarter fewer pieces. To have ST_LineMerge join exactly those pairs, every end is moved,
-- on a grid 64 times finer, by less than half a unit to a point its partner alone shares (one of
-- 63 x 63 offsets at its node: room for 7,938 ends at one point); the merged lines are snapped
-- back to the tile's grid, every point where it was. The lines are numbered and paired by their
-- coordinates, not by the order of `lines`, so the tile is the same bytes whatever order its rows
-- came in.
CREATE OR REPLACE FUNCTION roadchief.merged_tile_lines(lines geometry, tolerance float8)
RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    WITH line AS (
        -- Each line from its lesser end (x, then y), so that its number depends on it alone.
        SELECT CASE
                   WHEN (ST_X(ST_EndPoint(part.geom)), ST_Y(ST_EndPoint(part.geom)))
                        < (ST_X(ST_StartPoint(part.geom)), ST_Y(ST_StartPoint(part.geom)))
                       THEN ST_Reverse(part.geom)
                   ELSE part.geom
               END AS geom
        FROM ST_Dump(lines) AS part
    ),
    piece AS (
        SELECT row_number() OVER (ORDER BY ST_X(ST_StartPoint(l.geom)), ST_Y(ST_StartPoint(l.geom)),
                                           ST_X(ST_EndPoint(l.geom)), ST_Y(ST_EndPoint(l.geom)),
                                           l.geom) AS id,
               l.geom
        FROM line AS l
    ),
    line_end AS (
        -- slot: the pair this end belongs to at its node (ends 2k and 2k + 1 there make pair k).
        SELECT piece.id, piece.geom, e.last, e.point,
               (row_number() OVER (PARTITION BY ST_X(e.point), ST_Y(e.point)
                                   ORDER BY piece.id, e.last) - 1) / 2 AS slot
        FROM piece
        CROSS JOIN LATERAL (VALUES (false, ST_StartPoint(piece.geom)), (true, ST_EndPoint(piece.geom)))
            AS e (last, point)
    ),
    paired AS (
        SELECT line_end.id, line_end.geom, line_end.last, line_end.point, line_end.slot,
               lead(line_end.point) OVER (PARTITION BY line_end.id ORDER BY line_end.last) AS end_point,
               lead(line_end.slot) OVER (PARTITION BY line_end.id ORDER BY line_end.last) AS end_slot
        FROM line_end
    ),
    moved AS (
        SELECT p.id,
               ST_SetPoint(ST_SetPoint(ST_Scale(p.geom, 64, 64),
                   0, ST_MakePoint(ST_X(p.point) * 64 + mod(p.slot, 63) - 31,
                                   ST_Y(p.point) * 64 + p.slot / 63 - 31)),
                   -1, ST_MakePoint(ST_X(p.end_point) * 64 + mod(p.end_slot, 63) - 31,
                                    ST_Y(p.end_point) * 64 + p.end_slot / 63 - 31)) AS geom
        FROM paired AS p
        WHERE NOT p.last
    ),
    chained AS (
        SELECT ST_Simplify(ST_SnapToGrid(ST_Scale(part.geom, 1.0 / 64, 1.0 / 64), 1), tolerance, true)
                   AS geom
        FROM ST_Dump(ST_LineMerge((SELECT ST_Collect(moved.geom ORDER BY moved.id) FROM moved))) AS part
    )
    SELECT ST_Collect(chained.geom ORDER BY
        floor(ST_Y(ST_StartPoint(chained.geom)) / 64),
        CASE WHEN mod(floor(ST_Y(ST_StartPoint(chained.geom)) / 64)::int, 2) = 0
            THEN ST_X(ST_StartPoint(chained.geom)) ELSE -ST_X(ST_StartPoint(chained.geom)) END,
        ST_Y(ST_StartPoint(chained.geom)), chained.geom)
    FROM chained
$$;
