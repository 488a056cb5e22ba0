-- Sheet "Posts": one row per post created in the window, oldest first.
-- Every export sheet takes the same four parameters and reads the same posts, those of
-- scoped_posts (sql/outputs/_scope.sql): $since / $until: the first and last UTC day
-- (inclusive) of CAST(created_at AS DATE), NULL for no bound; $all_vas: every VA, else
-- only the posts whose account's VA is $va_id (NULL: the accounts with no VA). A post
-- belongs to its account's VA, as in va_performance.
SELECT
    posts.post_id,
    posts.post_url,
    posts.account,
    posts.va_id,
    vas.display_name AS va,
    posts.created_at,
    CAST(posts.created_at AS DATE) AS created_day,
    posts.views,
    posts.likes,
    posts.comments,
    posts.shares,
    posts.engagement,
    posts.engagement_rate,
    posts.slide_count,
    posts.hashtags,
    posts.sound,
    CASE WHEN trim(ocr.ocr_text) <> '' THEN ocr.ocr_text END AS hook_text,
    posts.source
FROM scoped_posts($all_vas, $va_id, $since, $until) AS posts
LEFT JOIN main.vas AS vas ON vas.va_id = posts.va_id
LEFT JOIN main.post_ocr AS ocr USING (post_id)
ORDER BY posts.created_at, posts.post_id
