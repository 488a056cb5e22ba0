-- severity: error
-- description: every OCR record read is a post_ocr row or an OCR reject
SELECT
    run_id,
    ocr_records,
    (SELECT count(*) FROM main.post_ocr) AS post_ocr,
    (SELECT count(*) FROM main.rejects WHERE entity = 'ocr_record') AS ocr_rejects
FROM latest_import()
WHERE ocr_records IS DISTINCT FROM
    (SELECT count(*) FROM main.post_ocr)
    + (SELECT count(*) FROM main.rejects WHERE entity = 'ocr_record')
    OR ocr_records <> ocr_loaded + ocr_duplicates + ocr_rejected
