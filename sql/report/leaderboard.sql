-- The report's VA leaderboard, and the order that picks the VAs of the weekly chart:
-- by total views, the row of posts without a VA last among equals.
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
FROM main.va_performance
ORDER BY total_views DESC, va_id NULLS LAST
