-- Every input record that was not loaded, with where it came from, its raw text, a
-- machine reason code and a human message. `entity` says what was rejected: a CSV
-- record ('post'), one part of a slide list ('slide'), an OCR record or a whole OCR file.
-- A CSV record can span several lines (quoted newlines): `line` is where it starts,
-- `last_line` where it ends. `source_file` is the snapshot (or --csv file) it is in: a
-- duplicate_post names the line kept in the same file.
-- An OCR record is rejected for the first rule it breaks: something wrong with the
-- record itself, then a post that was not loaded, then another record kept for its post.
WITH ocr_judged AS (
    SELECT
        records.*,
        CASE
            WHEN records.record_reason IS NOT NULL THEN records.record_reason
            WHEN posts.post_id IS NULL THEN 'ocr_unknown_post'
            WHEN NOT records.is_kept THEN 'ocr_duplicate'
        END AS reason,
        CASE
            WHEN records.record_reason IS NOT NULL THEN records.record_message
            WHEN posts.post_id IS NULL THEN 'post ' || CAST(records.post_id AS VARCHAR)
                || ' is not in the master CSV (or was rejected there)'
            WHEN NOT records.is_kept THEN 'duplicate OCR record for post '
                || CAST(records.post_id AS VARCHAR) || '; kept record '
                || CAST(records.kept_record_index AS VARCHAR) || ' of ' || records.kept_file
        -- A raw_text cut short says so (raw_text_note is set by the OCR reader).
        END || coalesce(records.raw_text_note, '') AS message
    FROM staging.ocr_records AS records
    LEFT JOIN main.posts AS posts USING (post_id)
)

SELECT
    'csv' AS input, 'post' AS entity, snapshots.path AS source_file, problems.line,
    problems.last_line, NULL::BIGINT AS record_index, NULL::INTEGER AS slide_index,
    NULL::BIGINT AS post_id, problems.reason, problems.message, problems.raw_text,
    NULL::BIGINT AS kept_line
FROM raw.csv_problems AS problems
JOIN raw.snapshots AS snapshots USING (snapshot_no)

UNION ALL BY NAME
SELECT
    'csv' AS input, 'post' AS entity, snapshots.path AS source_file, rows.line,
    rows.line + rows.line_span - 1 AS last_line, NULL::BIGINT AS record_index,
    NULL::INTEGER AS slide_index, rows.post_id, rows.reject_reason AS reason,
    rows.reject_message AS message, rows.raw_text, rows.kept_line
FROM raw.snapshot_rows AS rows
JOIN raw.snapshots AS snapshots USING (snapshot_no)
WHERE rows.reject_reason IS NOT NULL

UNION ALL BY NAME
SELECT
    'csv' AS input, 'slide' AS entity, parts.source_file, parts.line, NULL::BIGINT AS record_index,
    CAST(parts.slide_index AS INTEGER) AS slide_index, parts.post_id, 'slide_not_url' AS reason,
    'slide ' || CAST(parts.slide_index AS VARCHAR) || ' is not an image URL' AS message,
    parts.part AS raw_text, NULL::BIGINT AS kept_line
FROM staging.slide_rejects AS parts

UNION ALL BY NAME
SELECT
    'ocr' AS input, 'ocr_record' AS entity, source_file, NULL::BIGINT AS line, record_index,
    NULL::INTEGER AS slide_index, post_id, reason, message, raw_text, NULL::BIGINT AS kept_line
FROM ocr_judged
WHERE reason IS NOT NULL

UNION ALL BY NAME
SELECT
    'ocr' AS input, 'ocr_file' AS entity, source_file, NULL::BIGINT AS line,
    NULL::BIGINT AS record_index, NULL::INTEGER AS slide_index, NULL::BIGINT AS post_id,
    reason, message, raw_text, NULL::BIGINT AS kept_line
FROM raw.ocr_file_problems
ORDER BY input, source_file, line, record_index, slide_index
