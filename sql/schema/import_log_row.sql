-- The import_log row of this build: input-side counts come from raw.build (what Python
-- read), the others from the published tables (each read once) and the slide lists.
WITH rejected AS (
    SELECT
        count(*) FILTER (WHERE entity = 'post' AND reason = 'duplicate_post') AS csv_duplicates,
        count(*) FILTER (WHERE entity = 'post' AND reason <> 'duplicate_post') AS csv_rejected,
        count(*) FILTER (WHERE entity = 'slide') AS slides_rejected,
        count(*) FILTER (WHERE entity = 'ocr_record' AND reason = 'ocr_duplicate') AS ocr_duplicates,
        count(*) FILTER (WHERE entity = 'ocr_record' AND reason <> 'ocr_duplicate') AS ocr_rejected,
        count(*) FILTER (WHERE entity = 'ocr_file') AS ocr_files_rejected,
        count(*) AS rows_rejects
    FROM main.rejects
),

loaded AS (
    SELECT
        (SELECT count(*) FROM main.posts) AS rows_posts,
        (SELECT count(*) FROM main.metrics_history) AS observations,
        (SELECT count(*) FROM main.slides) AS rows_slides,
        (SELECT count(*) FROM main.vas) AS rows_vas,
        (SELECT count(*) FROM main.accounts) AS rows_accounts,
        (SELECT count(*) FROM main.post_ocr) AS rows_post_ocr,
        -- Counted from the slide lists themselves, so the accounting check compares it
        -- with what main.slides and the slide rejects actually hold.
        (
            SELECT coalesce(sum(rows.slide_part_count), 0)
            FROM raw.snapshot_rows AS rows
            SEMI JOIN staging.latest_rows AS latest USING (snapshot_no, record_no)
        ) AS slide_parts
)

INSERT INTO main.import_log BY NAME
SELECT
    b.run_id,
    b.started_at,
    b.finished_at,
    b.tikdb_version,
    'published' AS status,
    b.csv_path,
    b.csv_bytes,
    b.csv_sha256,
    b.csv_records,
    b.csv_blank_lines,
    loaded.observations AS csv_loaded,
    rejected.csv_duplicates,
    rejected.csv_rejected,
    b.csv_ignored_columns,
    loaded.slide_parts,
    loaded.rows_slides AS slides_loaded,
    rejected.slides_rejected,
    b.ocr_path,
    b.ocr_found,
    b.ocr_files,
    b.ocr_bytes,
    b.ocr_sha256,
    b.ocr_records,
    loaded.rows_post_ocr AS ocr_loaded,
    rejected.ocr_duplicates,
    rejected.ocr_rejected,
    rejected.ocr_files_rejected,
    b.ocr_inputs,
    loaded.rows_posts,
    loaded.rows_slides,
    loaded.rows_vas,
    loaded.rows_accounts,
    loaded.rows_post_ocr,
    rejected.rows_rejects,
    b.warnings
FROM raw.build AS b, rejected, loaded
