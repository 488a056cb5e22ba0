-- Sheet "Daily": one row per account and UTC day with posts in the window (and VA),
-- from the account_daily table; its `day` is CAST(created_at AS DATE), the column the
-- window bounds in every sheet. Same parameters as posts.sql.
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
WHERE ($since IS NULL OR daily.day >= $since)
    AND ($until IS NULL OR daily.day <= $until)
    AND ($all_vas OR daily.va_id IS NOT DISTINCT FROM $va_id)
ORDER BY daily.day, daily.account
