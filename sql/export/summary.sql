-- Sheet "Summary": one row per VA in scope (every VA, or the workbook's one VA), even a
-- VA with no posts in the window (posts 0); the posts of accounts with no VA form a row
-- with va_id NULL when there are any. The columns and formulas are va_performance's,
-- over the posts created in the window. Same parameters as posts.sql.
WITH scoped AS (
    SELECT
        accounts.va_id,
        posts.post_id,
        posts.account,
        posts.created_at,
        posts.views,
        posts.engagement
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
    WHERE ($since IS NULL OR CAST(posts.created_at AS DATE) >= $since)
        AND ($until IS NULL OR CAST(posts.created_at AS DATE) <= $until)
        AND ($all_vas OR accounts.va_id IS NOT DISTINCT FROM $va_id)
),

in_scope AS (
    SELECT va_id, display_name FROM main.vas
    WHERE $all_vas OR va_id IS NOT DISTINCT FROM $va_id
    UNION ALL
    SELECT NULL, NULL WHERE EXISTS (SELECT 1 FROM scoped WHERE va_id IS NULL)
),

per_va AS (
    SELECT
        in_scope.va_id,
        any_value(in_scope.display_name) AS display_name,
        count(scoped.post_id) AS posts,
        count(DISTINCT scoped.account) AS accounts,
        count(scoped.views) AS posts_with_views,
        CAST(sum(scoped.views) AS BIGINT) AS total_views,
        median(scoped.views) AS median_views,
        avg(scoped.views) AS mean_views,
        CAST(sum(scoped.engagement) AS BIGINT) AS total_engagement,
        100.0 * sum(scoped.engagement) FILTER (WHERE scoped.views IS NOT NULL)
            / nullif(sum(scoped.views) FILTER (WHERE scoped.engagement IS NOT NULL), 0)
            AS engagement_rate,
        count(scoped.post_id) FILTER (WHERE scoped.views >= 10000) AS posts_10k,
        min(scoped.created_at) AS first_post_at,
        max(scoped.created_at) AS last_post_at,
        count(DISTINCT CAST(scoped.created_at AS DATE)) AS active_days
    FROM in_scope
    LEFT JOIN scoped ON scoped.va_id IS NOT DISTINCT FROM in_scope.va_id
    GROUP BY in_scope.va_id
)

SELECT
    va_id,
    display_name,
    posts,
    accounts,
    total_views,
    median_views,
    mean_views,
    total_engagement,
    engagement_rate,
    posts_10k,
    100.0 * posts_10k / nullif(posts_with_views, 0) AS pct_posts_10k,
    first_post_at,
    last_post_at,
    active_days,
    posts / nullif(active_days, 0) AS posts_per_active_day
FROM per_va
ORDER BY total_views DESC NULLS LAST, va_id NULLS LAST
