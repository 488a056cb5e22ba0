-- severity: error
-- description: created_at is set, not before 2016 and not in the future
SELECT post_id, created_at
FROM main.posts
WHERE created_at IS NULL
    OR created_at < TIMESTAMP '2016-01-01'
    OR created_at > CAST(now() AS TIMESTAMP) + INTERVAL 1 DAY
