-- issues: from zoom :points_from on, each issue as a point; below it, clusters on a
-- :grid x :grid grid aligned to the tile (so a cell never straddles two tiles), each a point at
-- the mean position of its issues with their `count`, so a tile stays small whatever the ledger's
-- size. Which issues: roadchief.counted_issues (window, categories, statuses, sources; every
-- issue, snapped or not), like the density lines. Cells are computed from longitude and the Mercator y of the latitude, without
-- transforming every issue.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS box,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
points AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(i.geom, 3857), tile.envelope, :extent, :buffer, true) AS geom,
        i.id,
        i.id AS feature_id,
        i.category_code,
        i.status,
        to_char(i.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')
            AS reported_at,
        NULL::integer AS count
    FROM tile
    JOIN roadchief.counted_issues(
            CAST(:from_ts AS timestamptz), CAST(:to_ts AS timestamptz),
            CAST(:categories AS text[]), CAST(:statuses AS text[]),
            area_of => 'issue', sources => CAST(:sources AS text[])) AS i
        ON i.geom && tile.search
    WHERE :z >= :points_from
),
cells AS (
    SELECT
        ST_SetSRID(ST_MakePoint(avg(ST_X(i.geom)), avg(ST_Y(i.geom))), 4326) AS centre,
        count(*)::integer AS count
    FROM tile
    JOIN roadchief.counted_issues(
            CAST(:from_ts AS timestamptz), CAST(:to_ts AS timestamptz),
            CAST(:categories AS text[]), CAST(:statuses AS text[]),
            area_of => 'issue', sources => CAST(:sources AS text[])) AS i
        ON i.geom && tile.box
    WHERE :z < :points_from
    GROUP BY
        floor((ST_X(i.geom) - ST_XMin(tile.box)) / (ST_XMax(tile.box) - ST_XMin(tile.box)) * :grid),
        floor((6378137.0 * ln(tan(pi() / 4 + radians(ST_Y(i.geom)) / 2)) - ST_YMin(tile.envelope))
              / (ST_YMax(tile.envelope) - ST_YMin(tile.envelope)) * :grid)
),
clusters AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(cells.centre, 3857), tile.envelope, :extent, :buffer, true)
            AS geom,
        NULL::bigint AS id,
        NULL::bigint AS feature_id,  -- a cluster is no issue: no feature id
        NULL::text AS category_code,
        NULL::text AS status,
        NULL::text AS reported_at,
        cells.count
    FROM cells, tile
),
features AS (
    SELECT * FROM points
    UNION ALL
    SELECT * FROM clusters
)
SELECT ST_AsMVT(features, 'issues', :extent, 'geom', 'feature_id')
FROM features
