-- The report's top reused slides: the $limit images used by the most posts.
SELECT
    image_id,
    posts,
    account_list,
    va_list,
    total_views,
    max_views,
    first_post_at,
    last_post_at
FROM main.slide_reuse
ORDER BY posts DESC, total_views DESC, image_id
LIMIT $limit
