-- severity: error
-- description: every OCR row belongs to a published post
SELECT ocr.post_id, ocr.source_file, ocr.record_index
FROM main.post_ocr AS ocr
ANTI JOIN main.posts AS posts USING (post_id)
