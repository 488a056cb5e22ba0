-- materialized: table (an aggregate, computed once at build time so queries are instant)
-- One row per account and UTC day on which it posted (days without posts have no row).
-- va_id is the account's VA (accounts.va_id), as in va_performance. Engagement rate =
-- 100 * sum(engagement) / sum(views) over the day's posts where both are known.
-- A sum is NULL when none of the day's posts has that metric (an empty export field).
WITH daily AS (
    SELECT
        posts.account,
        CAST(posts.created_at AS DATE) AS day,
        count(*) AS posts,
        CAST(sum(posts.views) AS BIGINT) AS views,
        CAST(sum(posts.likes) AS BIGINT) AS likes,
        CAST(sum(posts.comments) AS BIGINT) AS comments,
        CAST(sum(posts.shares) AS BIGINT) AS shares,
        CAST(sum(posts.engagement) AS BIGINT) AS engagement,
        100.0 * sum(posts.engagement) FILTER (WHERE posts.views IS NOT NULL)
            / nullif(sum(posts.views) FILTER (WHERE posts.engagement IS NOT NULL), 0)
            AS engagement_rate
    FROM main.posts AS posts
    GROUP BY posts.account, CAST(posts.created_at AS DATE)
)

SELECT
    daily.account,
    accounts.va_id,
    daily.day,
    daily.posts,
    daily.views,
    daily.likes,
    daily.comments,
    daily.shares,
    daily.engagement,
    daily.engagement_rate
FROM daily
LEFT JOIN main.accounts AS accounts USING (account)
ORDER BY daily.account, daily.day
