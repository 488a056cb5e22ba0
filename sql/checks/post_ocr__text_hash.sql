-- severity: warn
-- description: text_hash = md5(ocr_text), and the OCR file's own text_hash agrees
SELECT post_id, text_hash, file_text_hash, md5(ocr_text) AS expected
FROM main.post_ocr
WHERE text_hash IS DISTINCT FROM md5(ocr_text)
    OR (file_text_hash IS NOT NULL AND file_text_hash <> md5(ocr_text))
