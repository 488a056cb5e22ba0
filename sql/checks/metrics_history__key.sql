-- severity: error
-- description: (post_id, observed_at) is unique and not null: one observation per post per snapshot
SELECT post_id, observed_at, count(*) AS copies
FROM main.metrics_history
GROUP BY post_id, observed_at
HAVING post_id IS NULL OR observed_at IS NULL OR count(*) > 1
