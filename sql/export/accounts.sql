-- Sheet "Accounts": one row per account with posts in the window (and VA), most views
-- first, with the measures of scoped_measures (sql/outputs/_scope.sql), those of
-- va_performance. Same parameters as posts.sql.
SELECT
    account,
    va_id,
    display_name AS va,
    posts,
    total_views,
    median_views,
    total_engagement,
    engagement_rate,
    posts_10k,
    first_post_at,
    last_post_at,
    active_days
FROM scoped_measures($all_vas, $va_id, $since, $until, true)
ORDER BY total_views DESC NULLS LAST, account
