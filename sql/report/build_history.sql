-- The report's build history: the $limit latest builds from import_log.
SELECT
    run_id,
    started_at,
    finished_at,
    tikdb_version,
    csv_path,
    csv_records,
    csv_loaded,
    csv_duplicates,
    csv_rejected,
    slides_loaded,
    slides_rejected,
    ocr_records,
    ocr_loaded,
    ocr_rejected,
    len(warnings) AS warnings
FROM main.import_log
ORDER BY started_at DESC, run_id DESC
LIMIT $limit
