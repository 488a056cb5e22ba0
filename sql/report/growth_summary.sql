-- The growth section's summary: the snapshots the warehouse was built from, and the
-- observations (metrics_history) of the report's posts.
SELECT
    (SELECT count(*) FROM main.snapshots) AS snapshots,
    count(*) AS observations,
    count(DISTINCT history.post_id) AS posts,
    min(history.observed_at) AS first_observed_at,
    max(history.observed_at) AS last_observed_at
FROM main.metrics_history AS history
SEMI JOIN scoped_posts($all_vas, $va_id, $since, $until) AS p USING (post_id)
