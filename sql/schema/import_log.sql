-- One row per published build, kept across builds (each build copies the history of the
-- warehouse it replaces). Accounting, per input:
--   csv_records  = csv_loaded + csv_duplicates + csv_rejected   (summed over snapshots;
--                  csv_loaded counts observations, one per post per snapshot)
--   slide_parts  = slides_loaded + slides_rejected
--   ocr_records  = ocr_loaded + ocr_duplicates + ocr_rejected
-- `*_records` and the file facts come from reading the inputs, `slide_parts` from the
-- slide lists of the loaded posts, the other counts from the published tables.
CREATE TABLE IF NOT EXISTS main.import_log (
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    tikdb_version VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    csv_path VARCHAR,
    csv_bytes BIGINT,
    csv_sha256 VARCHAR,
    csv_records BIGINT,
    csv_blank_lines BIGINT,
    csv_loaded BIGINT,
    csv_duplicates BIGINT,
    csv_rejected BIGINT,
    csv_ignored_columns VARCHAR[],
    slide_parts BIGINT,
    slides_loaded BIGINT,
    slides_rejected BIGINT,
    ocr_path VARCHAR,
    ocr_found BOOLEAN,
    ocr_files BIGINT,
    ocr_bytes BIGINT,
    ocr_sha256 VARCHAR,
    ocr_records BIGINT,
    ocr_loaded BIGINT,
    ocr_duplicates BIGINT,
    ocr_rejected BIGINT,
    ocr_files_rejected BIGINT,
    ocr_inputs STRUCT(path VARCHAR, bytes BIGINT, sha256 VARCHAR, records BIGINT)[],
    rows_posts BIGINT,
    rows_slides BIGINT,
    rows_vas BIGINT,
    rows_accounts BIGINT,
    rows_post_ocr BIGINT,
    rows_rejects BIGINT,
    warnings VARCHAR[]
);
