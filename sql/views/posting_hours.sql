-- materialized: table (an aggregate, computed once at build time so queries are instant)
-- Views and engagement by UTC weekday and hour of posting: all 7 x 24 cells, so a
-- heatmap has no holes (cells without posts have posts = 0, views = 0, NULL averages).
-- weekday is ISO (1 = Monday ... 7 = Sunday). Engagement rate = 100 * sum(engagement) /
-- sum(views) over the cell's posts where both are known.
WITH grid AS (
    SELECT d.range AS weekday, h.range AS hour
    FROM range(1, 8) AS d, range(0, 24) AS h
),

cells AS (
    SELECT
        isodow(created_at) AS weekday,
        hour(created_at) AS hour,
        count(*) AS posts,
        CAST(sum(views) AS BIGINT) AS total_views,
        median(views) AS median_views,
        avg(views) AS mean_views,
        CAST(sum(engagement) AS BIGINT) AS total_engagement,
        100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
            / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate
    FROM main.posts
    GROUP BY ALL
)

SELECT
    grid.weekday,
    -- 2024-01-01 was a Monday.
    dayname(DATE '2024-01-01' + CAST(grid.weekday - 1 AS INTEGER)) AS weekday_name,
    grid.hour,
    coalesce(cells.posts, 0) AS posts,
    -- 0 for a cell without posts; NULL for one whose posts have no view count.
    CASE WHEN cells.posts IS NULL THEN 0 ELSE cells.total_views END AS total_views,
    cells.median_views,
    cells.mean_views,
    CASE WHEN cells.posts IS NULL THEN 0 ELSE cells.total_engagement END AS total_engagement,
    cells.engagement_rate
FROM grid
LEFT JOIN cells USING (weekday, hour)
ORDER BY grid.weekday, grid.hour
