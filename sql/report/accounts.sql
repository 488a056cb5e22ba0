-- The report's accounts table (a VA's report): one row per account with posts in the
-- report, by total views; measures as in the leaderboard.
SELECT
    account,
    count(*) AS posts,
    CAST(sum(views) AS BIGINT) AS total_views,
    median(views) AS median_views,
    100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
    / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate,
    100.0 * count(*) FILTER (WHERE views >= 10000) / nullif(count(views), 0) AS pct_posts_10k,
    min(created_at) AS first_post_at,
    max(created_at) AS last_post_at
FROM report_posts($va_id, $since, $until)
GROUP BY account
ORDER BY total_views DESC NULLS LAST, account
