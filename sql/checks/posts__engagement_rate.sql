-- severity: warn
-- description: engagement_rate = round(100 * engagement / views, 2) (0 when views = 0)
SELECT post_id, views, engagement, engagement_rate,
    CASE WHEN views = 0 THEN 0 ELSE round(100 * engagement / views, 2) END AS expected
FROM main.posts
WHERE engagement_rate IS NOT NULL AND engagement IS NOT NULL AND views IS NOT NULL
    AND abs(engagement_rate - CASE WHEN views = 0 THEN 0 ELSE round(100 * engagement / views, 2) END) > 0.0101
