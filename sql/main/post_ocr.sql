-- One row per OCR'd post. OCR is per post (all slide images joined), so it is never
-- copied onto slides. `text_hash` is recomputed; the file's own value is kept beside it.
SELECT
    post_id,
    coalesce(ocr_text, '') AS ocr_text,
    md5(coalesce(ocr_text, '')) AS text_hash,
    file_text_hash,
    CAST(thumbnail_count AS INTEGER) AS thumbnail_count,
    CAST(thumbnails_with_text AS INTEGER) AS thumbnails_with_text,
    ocr_at,
    tikdb_va_key(va) AS ocr_va_id,
    views AS ocr_views,
    text_key,
    source_file,
    record_index
FROM staging.ocr_records
-- The record kept for its post, when the post was loaded (else it is a reject).
WHERE is_kept AND post_id IN (SELECT post_id FROM main.posts)
ORDER BY post_id
