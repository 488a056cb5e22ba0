-- materialized: table (an aggregate, computed once at build time so queries are instant)
-- One row per VA: volume, reach and engagement of the posts of its accounts.
-- A post belongs to its account's VA (accounts.va_id, the VA named on most of the
-- account's rows), not to the VA written on its own CSV row: rows with an empty `va`
-- (posts.va_id NULL) then still count for the VA who runs the account, and an account's
-- posts are never split between VAs. Posts of accounts with no VA at all form the row
-- with va_id NULL. Engagement rate = 100 * sum(engagement) / sum(views), over the posts
-- where both are known.
-- Sums and averages leave out unknown (NULL) metrics; a sum is NULL when none is known.
WITH post_va AS (
    SELECT
        accounts.va_id,
        posts.post_id,
        posts.account,
        posts.created_at,
        posts.views,
        posts.engagement
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
),

per_va AS (
    SELECT
        va_id,
        count(*) AS posts,
        count(DISTINCT account) AS accounts,
        count(views) AS posts_with_views,
        CAST(sum(views) AS BIGINT) AS total_views,
        median(views) AS median_views,
        avg(views) AS mean_views,
        CAST(sum(engagement) AS BIGINT) AS total_engagement,
        100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
            / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate,
        count(*) FILTER (WHERE views >= 10000) AS posts_10k,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at,
        count(DISTINCT CAST(created_at AS DATE)) AS active_days
    FROM post_va
    GROUP BY va_id
)

SELECT
    per_va.va_id,
    vas.display_name,
    per_va.posts,
    per_va.accounts,
    per_va.total_views,
    per_va.median_views,
    per_va.mean_views,
    per_va.total_engagement,
    per_va.engagement_rate,
    per_va.posts_10k,
    -- Share of the posts with a known view count that reached 10,000 views, in percent.
    100.0 * per_va.posts_10k / nullif(per_va.posts_with_views, 0) AS pct_posts_10k,
    per_va.first_post_at,
    per_va.last_post_at,
    per_va.active_days,
    per_va.posts / per_va.active_days AS posts_per_active_day
FROM per_va
LEFT JOIN main.vas AS vas USING (va_id)
ORDER BY per_va.total_views DESC, per_va.va_id NULLS LAST
