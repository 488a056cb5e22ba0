-- The report's accounts table (a VA's report): one row per account with posts in the
-- report, by total views; the measures are scoped_measures' (sql/outputs/_scope.sql), as
-- in the leaderboard.
SELECT
    account,
    posts,
    total_views,
    median_views,
    engagement_rate,
    pct_posts_10k,
    first_post_at,
    last_post_at
FROM scoped_measures($all_vas, $va_id, $since, $until, true)
ORDER BY total_views DESC NULLS LAST, account
