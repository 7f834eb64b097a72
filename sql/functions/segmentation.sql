-- The pieces of a line inside each community it crosses: how a road line becomes segments
-- that each belong to one community. Pieces shorter than min_m metres are slivers and dropped.
CREATE OR REPLACE FUNCTION roadchief.community_pieces(line geometry, min_m double precision DEFAULT 1.0)
RETURNS TABLE (community_id integer, piece_no integer, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.id, d.path[1], d.geom
    FROM public.community AS c
    CROSS JOIN LATERAL ST_Dump(
        CASE WHEN ST_CoveredBy(line, c.geom) THEN line
             ELSE ST_LineMerge(ST_CollectionExtract(ST_Intersection(line, c.geom), 2))
        END
    ) AS d
    WHERE ST_Intersects(line, c.geom)
      AND ST_Length(d.geom::geography) >= min_m
    ORDER BY c.id, d.path[1]
$$;
