-- The report's top reused OCR texts: the $limit non-blank texts shared by the most of the
-- report's posts (two or more). As the ocr_text_reuse view, over these posts.
SELECT
    ocr.text_hash,
    any_value(ocr.ocr_text) AS ocr_text,
    count(*) AS posts,
    list(DISTINCT posts.account ORDER BY posts.account) AS account_list,
    CAST(sum(posts.views) AS BIGINT) AS total_views,
    max(posts.views) AS max_views
FROM main.post_ocr AS ocr
JOIN scoped_posts($all_vas, $va_id, $since, $until) AS posts USING (post_id)
WHERE trim(ocr.ocr_text) <> ''
GROUP BY ocr.text_hash
HAVING count(*) > 1
ORDER BY posts DESC, total_views DESC NULLS LAST, ocr.text_hash
LIMIT $limit
