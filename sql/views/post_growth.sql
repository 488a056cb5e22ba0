-- materialized: table (reads every observation; computed once at build time)
-- One row per post: its views, likes and engagement 1, 3, 7 and 30 days after it was
-- created, each taken from the one observation (metrics_history) nearest that age, when
-- that observation is within the age's tolerance:
--     age        1 day   3 days   7 days   30 days
--     tolerance  12 h    12 h     1 day    2 days
-- (so a daily scrape has an observation for every age the post has lived through).
-- Values are never interpolated between observations nor extrapolated past the last
-- one: with no observation that close the age's columns are NULL. Of two observations
-- equally near, the earlier is used. `observed_<age>_at` is the observation used.
WITH ages AS (
    SELECT *
    FROM (VALUES (1, 12), (3, 12), (7, 24), (30, 48)) AS t (age_days, tolerance_hours)
),

-- Distances in microseconds: exact, whatever the precision of the timestamps.
candidates AS (
    SELECT
        history.post_id,
        ages.age_days,
        history.observed_at,
        history.views,
        history.likes,
        history.engagement,
        abs(
            epoch_us(history.observed_at) - epoch_us(posts.created_at)
            - ages.age_days * 86400000000
        ) AS distance_us,
        ages.tolerance_hours * 3600000000 AS tolerance_us
    FROM main.metrics_history AS history
    JOIN main.posts AS posts USING (post_id)
    CROSS JOIN ages
),

nearest AS (
    SELECT
        post_id,
        age_days,
        arg_min(
            struct_pack(observed_at, views, likes, engagement),
            struct_pack(distance_us, observed_at)
        ) AS obs
    FROM candidates
    WHERE distance_us <= tolerance_us
    GROUP BY post_id, age_days
),

wide AS (
    SELECT
        post_id,
        any_value(obs.views) FILTER (WHERE age_days = 1) AS views_1d,
        any_value(obs.likes) FILTER (WHERE age_days = 1) AS likes_1d,
        any_value(obs.engagement) FILTER (WHERE age_days = 1) AS engagement_1d,
        any_value(obs.observed_at) FILTER (WHERE age_days = 1) AS observed_1d_at,
        any_value(obs.views) FILTER (WHERE age_days = 3) AS views_3d,
        any_value(obs.likes) FILTER (WHERE age_days = 3) AS likes_3d,
        any_value(obs.engagement) FILTER (WHERE age_days = 3) AS engagement_3d,
        any_value(obs.observed_at) FILTER (WHERE age_days = 3) AS observed_3d_at,
        any_value(obs.views) FILTER (WHERE age_days = 7) AS views_7d,
        any_value(obs.likes) FILTER (WHERE age_days = 7) AS likes_7d,
        any_value(obs.engagement) FILTER (WHERE age_days = 7) AS engagement_7d,
        any_value(obs.observed_at) FILTER (WHERE age_days = 7) AS observed_7d_at,
        any_value(obs.views) FILTER (WHERE age_days = 30) AS views_30d,
        any_value(obs.likes) FILTER (WHERE age_days = 30) AS likes_30d,
        any_value(obs.engagement) FILTER (WHERE age_days = 30) AS engagement_30d,
        any_value(obs.observed_at) FILTER (WHERE age_days = 30) AS observed_30d_at
    FROM nearest
    GROUP BY post_id
)

SELECT
    posts.post_id,
    posts.account,
    accounts.va_id,
    posts.created_at,
    wide.* EXCLUDE (post_id)
FROM main.posts AS posts
LEFT JOIN main.accounts AS accounts USING (account)
LEFT JOIN wide USING (post_id)
ORDER BY posts.post_id
