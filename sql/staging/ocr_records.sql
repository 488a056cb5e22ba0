-- Every OCR record, typed, with the first rule it breaks (if any). Duplicate records of
-- one post: the most recent OCR run (timestamp) wins; ties go to the later file/record.
WITH records AS (
    SELECT
        *,
        tikdb_post_url_parts(post_url).video_id AS video_id,
        tikdb_video_id(tikdb_post_url_parts(post_url).video_id) AS post_id,
        try_cast(ocr_timestamp AS TIMESTAMP) AS ocr_at
    FROM raw.ocr_records
),

judged AS (
    SELECT
        records.*,
        CASE
            WHEN records.problem_reason IS NOT NULL THEN records.problem_reason
            WHEN records.post_id IS NULL THEN 'ocr_bad_post_url'
            WHEN posts.post_id IS NULL THEN 'ocr_unknown_post'
        END AS reason
    FROM records
    LEFT JOIN main.posts AS posts USING (post_id)
),

winners AS (
    SELECT
        post_id,
        arg_max(
            struct_pack(source_file := source_file, record_index := record_index),
            struct_pack(ocr_at := coalesce(ocr_at, TIMESTAMP '0001-01-01'), f := source_file, i := record_index)
        ) AS kept
    FROM judged
    WHERE reason IS NULL
    GROUP BY post_id
)

SELECT
    judged.* EXCLUDE (reason, problem_reason, problem_message, raw_text_note),
    CASE
        WHEN judged.reason IS NOT NULL THEN judged.reason
        WHEN winners.kept.source_file <> judged.source_file
            OR winners.kept.record_index <> judged.record_index THEN 'ocr_duplicate'
    END AS reject_reason,
    CASE
        WHEN judged.problem_reason IS NOT NULL THEN judged.problem_message
        WHEN judged.reason = 'ocr_bad_post_url' AND coalesce(judged.video_id, '') <> ''
            THEN 'video id ' || judged.video_id || ' in post_url is not a TikTok video id (19 digits '
                || 'with no leading zero, at most 9223372036854775807): ' || tikdb_excerpt(judged.post_url)
        WHEN judged.reason = 'ocr_bad_post_url'
            THEN 'post_url is not a TikTok post URL with a 19-digit video id: '
                || tikdb_excerpt(coalesce(judged.post_url, ''))
        WHEN judged.reason = 'ocr_unknown_post'
            THEN 'post ' || CAST(judged.post_id AS VARCHAR) || ' is not in the master CSV (or was rejected there)'
        WHEN winners.kept.source_file <> judged.source_file
            OR winners.kept.record_index <> judged.record_index
            THEN 'duplicate OCR record for post ' || CAST(judged.post_id AS VARCHAR)
                || '; kept record ' || CAST(winners.kept.record_index AS VARCHAR)
                || ' of ' || winners.kept.source_file
    END || coalesce(judged.raw_text_note, '') AS reject_message
FROM judged
LEFT JOIN winners USING (post_id)
