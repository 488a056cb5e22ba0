-- raw.build: what Python read from the inputs, one row. Its columns are the input-side
-- columns of main.import_log, with the types import_log.sql gives them, so the two
-- definitions cannot drift apart; import_log_row.sql adds the table-side counts.
CREATE TABLE memory.raw.build AS
SELECT
    run_id,
    started_at,
    finished_at,
    tikdb_version,
    csv_path,
    csv_bytes,
    csv_sha256,
    csv_records,
    csv_blank_lines,
    csv_ignored_columns,
    ocr_path,
    ocr_found,
    ocr_files,
    ocr_bytes,
    ocr_sha256,
    ocr_records,
    ocr_inputs,
    warnings
FROM main.import_log
LIMIT 0;
