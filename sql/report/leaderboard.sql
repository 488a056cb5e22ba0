-- The report's VA leaderboard over the report's posts, and the order that picks the VAs
-- of the weekly chart: by total views, the row of posts without a VA last among equals.
-- The measures are scoped_measures' (sql/outputs/_scope.sql), those of the va_performance
-- view (which covers all posts): a post counts for its account's VA; sums and averages
-- leave out unknown metrics.
SELECT
    va_id,
    display_name,
    posts,
    accounts,
    total_views,
    median_views,
    mean_views,
    engagement_rate,
    pct_posts_10k,
    posts_per_active_day,
    first_post_at,
    last_post_at
FROM scoped_measures($all_vas, $va_id, $since, $until, false)
ORDER BY total_views DESC, va_id NULLS LAST
