-- The analyst queries timed by benchmarks/bench.py, as an analyst would write them against
-- the published warehouse: the tables, and two of the aggregates tikdb materializes at
-- build time (account_daily, slide_reuse). Each query starts with a `-- name:` line.

-- name: va_leaderboard
-- Per VA: posts, total and median views, engagement rate (% of views).
SELECT
    vas.display_name AS va,
    count(*) AS posts,
    sum(posts.views) AS total_views,
    median(posts.views) AS median_views,
    round(100.0 * sum(posts.engagement) / nullif(sum(posts.views), 0), 2) AS engagement_rate
FROM posts
JOIN vas USING (va_id)
GROUP BY vas.display_name
ORDER BY total_views DESC NULLS LAST;

-- name: account_daily_views
-- Views per account per UTC day, with the account's VA.
SELECT account, va_id, day, posts, views
FROM account_daily
ORDER BY account, day;

-- name: top_posts_with_ocr
-- The 20 most viewed posts and the text read off their slides.
SELECT
    posts.post_id,
    posts.post_url,
    posts.account,
    posts.created_at,
    posts.views,
    posts.engagement_rate,
    post_ocr.ocr_text
FROM posts
LEFT JOIN post_ocr USING (post_id)
ORDER BY posts.views DESC NULLS LAST, posts.post_id
LIMIT 20;

-- name: reused_slides
-- Slide images used by more than one post.
SELECT image_id, posts, accounts, total_views
FROM slide_reuse
ORDER BY posts DESC, image_id;

-- name: engagement_by_hour
-- Posts, views and engagement by hour of the day (UTC).
SELECT
    hour(created_at) AS utc_hour,
    count(*) AS posts,
    sum(views) AS views,
    round(100.0 * sum(engagement) / nullif(sum(views), 0), 2) AS engagement_rate,
    median(engagement_rate) AS median_post_engagement_rate
FROM posts
GROUP BY utc_hour
ORDER BY utc_hour;
