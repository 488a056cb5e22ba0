-- The report's VA leaderboard over the report's posts, and the order that picks the VAs
-- of the weekly chart: by total views, the row of posts without a VA last among equals.
-- The same measures as the va_performance view (which covers all posts): a post counts
-- for its account's VA; sums and averages leave out unknown metrics.
WITH per_va AS (
    SELECT
        va_id,
        count(*) AS posts,
        count(DISTINCT account) AS accounts,
        CAST(sum(views) AS BIGINT) AS total_views,
        median(views) AS median_views,
        avg(views) AS mean_views,
        100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
        / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate,
        100.0 * count(*) FILTER (WHERE views >= 10000) / nullif(count(views), 0) AS pct_posts_10k,
        count(*) / count(DISTINCT CAST(created_at AS DATE)) AS posts_per_active_day,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at
    FROM report_posts($va_id, $since, $until)
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
    per_va.engagement_rate,
    per_va.pct_posts_10k,
    per_va.posts_per_active_day,
    per_va.first_post_at,
    per_va.last_post_at
FROM per_va
LEFT JOIN main.vas AS vas USING (va_id)
ORDER BY per_va.total_views DESC, per_va.va_id NULLS LAST
