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


-- The lines of one colour in a merged low-zoom tile: joined where they meet, simplified again by
-- `tolerance` tile units, and the pieces ordered in row bands of 64 units, snaking, so that each
-- MoveTo between two pieces is a short step (a city's z10 tile holds tens of thousands of pieces).
CREATE OR REPLACE FUNCTION roadchief.merged_tile_lines(lines geometry, tolerance float8)
RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ST_Collect(piece.geom ORDER BY
        floor(ST_Y(ST_StartPoint(piece.geom)) / 64),
        CASE WHEN mod(floor(ST_Y(ST_StartPoint(piece.geom)) / 64)::int, 2) = 0
            THEN ST_X(ST_StartPoint(piece.geom)) ELSE -ST_X(ST_StartPoint(piece.geom)) END)
    FROM ST_Dump(ST_Simplify(ST_LineMerge(lines), tolerance, true)) AS piece
$$;
