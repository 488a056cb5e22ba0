-- The report's top posts: the $limit posts with the most views, with their OCR hooks.
SELECT
    p.post_id,
    p.post_url,
    p.account,
    p.va_id,
    vas.display_name,
    p.created_at,
    p.views,
    p.engagement_rate,
    p.slide_count,
    p.hook_text
FROM main.post_performance AS p
LEFT JOIN main.vas AS vas USING (va_id)
ORDER BY p.views DESC NULLS LAST, p.post_id
LIMIT $limit
