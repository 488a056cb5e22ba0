-- Sheet "Daily": one row per account and UTC day with posts in the window (and VA),
-- from the account_daily table; its `day` is CAST(created_at AS DATE) and its va_id the
-- account's VA, so the window and VA tests of scoped_posts (sql/outputs/_scope.sql)
-- keep exactly the account-days of the posts in scope. Same parameters as posts.sql.
SELECT
    daily.day,
    daily.account,
    daily.va_id,
    vas.display_name AS va,
    daily.posts,
    daily.views,
    daily.likes,
    daily.comments,
    daily.shares,
    daily.engagement,
    daily.engagement_rate
FROM main.account_daily AS daily
LEFT JOIN main.vas AS vas ON vas.va_id = daily.va_id
WHERE tikdb_in_window(daily.day, $since, $until)
    AND tikdb_in_va(daily.va_id, $all_vas, $va_id)
ORDER BY daily.day, daily.account
