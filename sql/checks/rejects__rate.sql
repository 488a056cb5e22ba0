-- severity: warn
-- description: the share of rejected records per input stays under tikdb_max_reject_rate
WITH rates AS (
    SELECT 'csv' AS input, csv_records AS records, csv_duplicates + csv_rejected AS rejected FROM latest_import()
    UNION ALL
    SELECT 'slides', slide_parts, slides_rejected FROM latest_import()
    UNION ALL
    SELECT 'ocr', ocr_records, ocr_duplicates + ocr_rejected FROM latest_import()
)

SELECT input, records, rejected, round(rejected / records, 4) AS rate
FROM rates
WHERE records > 0 AND rejected / records > getvariable('tikdb_max_reject_rate')
