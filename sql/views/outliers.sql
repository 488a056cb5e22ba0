-- materialized: table (a window over every post; computed once at build time)
-- One row per post whose views are known at the outlier age, 3 days (post_growth's
-- views_3d): how far it beat (or missed) the usual for its account. The baseline is the
-- median views at 3 days of the same account's posts created in the 30 days before it
-- (from 30 days earlier, inclusive, up to but excluding its own created_at), among those
-- whose 3-day views are known. outlier_score = views_at_age / baseline_median_views - 1
-- (2.0 = three times the usual); NULL with fewer than 3 such posts or a median of 0.
WITH at_age AS (
    SELECT post_id, account, va_id, created_at, views_3d AS views_at_age
    FROM main.post_growth
    WHERE views_3d IS NOT NULL
),

baseline AS (
    SELECT
        *,
        count(views_at_age) OVER before AS baseline_posts,
        median(views_at_age) OVER before AS baseline_median_views
    FROM at_age
    WINDOW before AS (
        PARTITION BY account ORDER BY created_at
        RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND INTERVAL 1 MICROSECOND PRECEDING
    )
)

SELECT
    post_id,
    account,
    va_id,
    created_at,
    3 AS age_days,
    views_at_age,
    baseline_posts,
    CAST(baseline_median_views AS DOUBLE) AS baseline_median_views,
    CASE
        WHEN baseline_posts >= 3 AND baseline_median_views > 0
            THEN views_at_age / baseline_median_views - 1
    END AS outlier_score
FROM baseline
ORDER BY post_id
