-- Every input record that was not loaded, with where it came from, its raw text, a
-- machine reason code and a human message. `entity` says what was rejected: a CSV
-- record ('post'), one part of a slide list ('slide'), an OCR record or a whole OCR file.
-- A CSV record can span several lines (quoted newlines): `line` is where it starts,
-- `last_line` where it ends.
WITH csv_file AS (
    SELECT csv_path AS source_file FROM raw.build
),

-- An OCR record is rejected for the first rule it breaks: something wrong with the
-- record itself, then a post that was not loaded, then another record kept for its post.
ocr_judged AS (
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
    'csv' AS input, 'post' AS entity, csv_file.source_file, line, last_line,
    NULL::BIGINT AS record_index, NULL::INTEGER AS slide_index, NULL::BIGINT AS post_id,
    reason, message, raw_text, NULL::BIGINT AS kept_line
FROM raw.csv_problems, csv_file

UNION ALL BY NAME
SELECT
    'csv' AS input, 'post' AS entity, csv_file.source_file, posts.line,
    posts.line + posts.line_span - 1 AS last_line, NULL::BIGINT AS record_index,
    NULL::INTEGER AS slide_index, posts.post_id, posts.reject_reason AS reason,
    posts.reject_message AS message, texts.raw_text, NULL::BIGINT AS kept_line
FROM staging.csv_posts AS posts
JOIN raw.csv_reject_text AS texts USING (record_no)
CROSS JOIN csv_file
WHERE posts.reject_reason IS NOT NULL

UNION ALL BY NAME
SELECT
    'csv' AS input, 'post' AS entity, csv_file.source_file, rows.line,
    rows.line + rows.line_span - 1 AS last_line, NULL::BIGINT AS record_index,
    NULL::INTEGER AS slide_index, rows.post_id, 'duplicate_post' AS reason,
    'video id ' || CAST(rows.post_id AS VARCHAR) || ' appears again on line '
        || CAST(rows.kept_line AS VARCHAR) || ', which was kept (the last line wins)' AS message,
    texts.raw_text, rows.kept_line
FROM staging.post_rows AS rows
JOIN raw.csv_reject_text AS texts USING (record_no)
CROSS JOIN csv_file
WHERE NOT rows.is_kept

UNION ALL BY NAME
SELECT
    'csv' AS input, 'slide' AS entity, csv_file.source_file, parts.line, NULL::BIGINT AS record_index,
    CAST(parts.slide_index AS INTEGER) AS slide_index, parts.post_id, 'slide_not_url' AS reason,
    'slide ' || CAST(parts.slide_index AS VARCHAR) || ' is not an image URL' AS message,
    parts.part AS raw_text, NULL::BIGINT AS kept_line
FROM staging.slide_rejects AS parts
CROSS JOIN csv_file

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
