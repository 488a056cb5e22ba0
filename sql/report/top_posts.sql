-- The report's top posts: the $limit posts with the most views, with their OCR hooks
-- (the OCR text; NULL when the post has none or it is blank).
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
    CASE WHEN trim(ocr.ocr_text) <> '' THEN ocr.ocr_text END AS hook_text
FROM scoped_posts($all_vas, $va_id, $since, $until) AS p
LEFT JOIN main.post_ocr AS ocr USING (post_id)
LEFT JOIN main.vas AS vas USING (va_id)
ORDER BY p.views DESC NULLS LAST, p.post_id
LIMIT $limit
