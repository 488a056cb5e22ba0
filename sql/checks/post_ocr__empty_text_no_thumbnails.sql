-- severity: warn
-- description: ocr_text is empty exactly when no thumbnail had text
SELECT post_id, ocr_text, thumbnails_with_text
FROM main.post_ocr
WHERE thumbnails_with_text IS NOT NULL AND (ocr_text = '') <> (thumbnails_with_text = 0)
