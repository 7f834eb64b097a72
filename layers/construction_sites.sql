-- construction_sites: construction sites (施工工地) with their inspection status as of :as_of
-- (roadchief.inspection_status: clean, failed, overdue, demo, not_due) and the green flag.
WITH tile AS (
    SELECT
        ST_TileEnvelope(:z, :x, :y) AS envelope,
        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
),
sites AS (
    SELECT cs.*
    FROM tile
    JOIN public.construction_site AS cs
        ON cs.geom && tile.search
),
features AS (
    SELECT
        ST_AsMVTGeom(ST_Simplify(ST_Transform(cs.geom, 3857), :tolerance), tile.envelope,
                     :extent, :buffer, true) AS geom,
        cs.id,
        cs.id AS feature_id,
        cs.name,
        cs.status,
        cs.is_green_demo,
        st.status AS inspection_status,
        to_char(st.last_inspected_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS last_inspected_at,
        st.overdue
    FROM tile
    CROSS JOIN sites AS cs
    LEFT JOIN roadchief.inspection_status(CAST(:as_of AS timestamptz), 'site', ARRAY(SELECT id FROM sites)) AS st
        ON st.target_id = cs.id
)
SELECT ST_AsMVT(features, 'construction_sites', :extent, 'geom', 'feature_id')
FROM features
