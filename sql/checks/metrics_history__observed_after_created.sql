-- severity: error
-- description: no post is observed before it was created (beyond the day of clock skew the created_at rule allows)
SELECT history.post_id, history.snapshot, history.observed_at, posts.created_at
FROM main.metrics_history AS history
JOIN main.posts AS posts USING (post_id)
WHERE history.observed_at < posts.created_at - INTERVAL 1 DAY
