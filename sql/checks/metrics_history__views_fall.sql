-- severity: warn
-- description: a post's views never fall from one observation to the next
WITH steps AS (
    SELECT
        post_id,
        lag(snapshot) OVER by_time AS from_snapshot,
        lag(views) OVER by_time AS views_before,
        snapshot,
        views
    FROM main.metrics_history
    WINDOW by_time AS (PARTITION BY post_id ORDER BY observed_at)
)

SELECT post_id, from_snapshot, views_before, snapshot, views
FROM steps
WHERE views < views_before
