-- What share of each input this build rejected, for the publish guard
-- (tikdb/pipeline/guards.py), which refuses to publish past --refuse-reject-rate.
-- Duplicates are not counted: their post or OCR text is loaded from another record.
-- OCR files are counted too: a file that cannot be read contributes no records at all.
-- Parameter: $run_id, this build's run id.
WITH this_build AS (
    SELECT * FROM main.import_log WHERE run_id = $run_id
)

SELECT 'csv records' AS what, csv_records AS total, csv_rejected AS rejected FROM this_build
UNION ALL
SELECT 'slides', slide_parts, slides_rejected FROM this_build
UNION ALL
SELECT 'OCR records', ocr_records, ocr_rejected FROM this_build
UNION ALL
SELECT 'OCR files', ocr_files, ocr_files_rejected FROM this_build
