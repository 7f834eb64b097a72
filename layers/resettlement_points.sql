-- resettlement_points: temporary resettlement points (群众临时安置点) with their households, their
-- inspection status as of :as_of (roadchief.inspection_status) and the safety flag.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
points AS (
    SELECT rp.*
    FROM tile
    JOIN public.resettlement_point AS rp
        ON rp.geom && tile.search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(rp.geom, 3857), tile.envelope, :extent, :buffer, true) AS geom,
        rp.id,
        rp.id AS feature_id,
        rp.name,
        rp.households,
        rp.is_safety_demo,
        st.status AS inspection_status,
        to_char(st.last_inspected_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS last_inspected_at,
        st.overdue
    FROM tile
    CROSS JOIN points AS rp
    LEFT JOIN roadchief.inspection_status(CAST(:as_of AS timestamptz), 'point', ARRAY(SELECT id FROM points)) AS st
        ON st.target_id = rp.id
)
SELECT ST_AsMVT(features, 'resettlement_points', :extent, 'geom', 'feature_id')
FROM features
