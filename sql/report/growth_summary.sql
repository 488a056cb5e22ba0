-- The growth section's summary: how many snapshots and observations the history holds.
SELECT
    (SELECT count(*) FROM main.snapshots) AS snapshots,
    count(*) AS observations,
    count(DISTINCT post_id) AS posts,
    min(observed_at) AS first_observed_at,
    max(observed_at) AS last_observed_at
FROM main.metrics_history
