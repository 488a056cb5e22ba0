-- The report's heatmap: posts and median views per ISO weekday and UTC hour, all 7 x 24
-- cells (posts = 0 and a NULL median where nothing was posted).
WITH grid AS (
    SELECT d.range AS weekday, h.range AS hour
    FROM range(1, 8) AS d, range(0, 24) AS h
),

cells AS (
    SELECT
        isodow(created_at) AS weekday,
        hour(created_at) AS hour,
        count(*) AS posts,
        median(views) AS median_views
    FROM scoped_posts($all_vas, $va_id, $since, $until)
    GROUP BY ALL
)

SELECT
    grid.weekday,
    grid.hour,
    coalesce(cells.posts, 0) AS posts,
    cells.median_views
FROM grid
LEFT JOIN cells USING (weekday, hour)
ORDER BY grid.weekday, grid.hour
