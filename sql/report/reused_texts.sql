-- The report's top reused OCR texts: the $limit texts shared by the most posts.
SELECT
    text_hash,
    ocr_text,
    posts,
    account_list,
    total_views,
    max_views
FROM main.ocr_text_reuse
ORDER BY posts DESC, total_views DESC, text_hash
LIMIT $limit
