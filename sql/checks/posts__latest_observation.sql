-- severity: error
-- description: each post holds its latest observation, and first_seen_at, last_seen_at and observations match metrics_history
WITH seen AS (
    SELECT
        post_id,
        min(observed_at) AS first_seen_at,
        max(observed_at) AS last_seen_at,
        count(*) AS observations,
        arg_max(struct_pack(views, likes, comments, shares, engagement, snapshot), observed_at)
            AS latest
    FROM main.metrics_history
    GROUP BY post_id
)

SELECT posts.post_id, posts.last_seen_at, seen.last_seen_at AS observed_last, posts.views, seen.latest.views AS observed_views
FROM main.posts AS posts
FULL JOIN seen USING (post_id)
WHERE posts.post_id IS NULL
    OR seen.post_id IS NULL
    OR posts.first_seen_at IS DISTINCT FROM seen.first_seen_at
    OR posts.last_seen_at IS DISTINCT FROM seen.last_seen_at
    OR posts.observations IS DISTINCT FROM seen.observations
    OR struct_pack(posts.views, posts.likes, posts.comments, posts.shares, posts.engagement, posts.snapshot)
        IS DISTINCT FROM seen.latest
