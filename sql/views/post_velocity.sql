-- One row per pair of consecutive observations of a post (metrics_history, by
-- observed_at): the views it gained between them and the views gained per hour.
-- Negative when an export shows fewer views than the one before (see the warn rule
-- metrics_history__views_fall); NULL when either count is unknown. `age_hours` is the
-- post's age at the later observation. va_id is the account's VA.
WITH steps AS (
    SELECT
        post_id,
        lag(observed_at) OVER by_time AS from_observed_at,
        observed_at AS to_observed_at,
        lag(views) OVER by_time AS views_from,
        views AS views_to
    FROM main.metrics_history
    WINDOW by_time AS (PARTITION BY post_id ORDER BY observed_at)
)

SELECT
    steps.post_id,
    posts.account,
    accounts.va_id,
    steps.from_observed_at,
    steps.to_observed_at,
    (epoch_us(steps.to_observed_at) - epoch_us(steps.from_observed_at)) / 3600e6 AS hours,
    (epoch_us(steps.to_observed_at) - epoch_us(posts.created_at)) / 3600e6 AS age_hours,
    steps.views_from,
    steps.views_to,
    steps.views_to - steps.views_from AS views_gained,
    (steps.views_to - steps.views_from)
    / ((epoch_us(steps.to_observed_at) - epoch_us(steps.from_observed_at)) / 3600e6)
        AS views_per_hour
FROM steps
JOIN main.posts AS posts USING (post_id)
LEFT JOIN main.accounts AS accounts USING (account)
WHERE steps.from_observed_at IS NOT NULL
