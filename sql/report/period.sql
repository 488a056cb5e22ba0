-- The first and last UTC day with a post in the report (NULL when it has no posts).
SELECT
    CAST(min(created_at) AS DATE) AS first_day,
    CAST(max(created_at) AS DATE) AS last_day
FROM scoped_posts($all_vas, $va_id, $since, $until)
