-- Every OCR record, typed, with what is wrong with the record itself (if anything) and,
-- for a record that names a post, whether it is the one kept for that post. Whether the
-- post was loaded is a question for the main layer (main.post_ocr, main.rejects): this
-- layer reads only raw and staging.
-- Several records of one post: the most recent OCR run (timestamp) wins, a timestamp
-- that is not a time counting as the oldest; ties go to the later file/record.
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
        *,
        CASE
            WHEN problem_reason IS NOT NULL THEN problem_reason
            WHEN post_id IS NULL THEN 'ocr_bad_post_url'
        END AS record_reason
    FROM records
),

winners AS (
    SELECT
        post_id,
        arg_max(
            struct_pack(source_file := source_file, record_index := record_index),
            struct_pack(ocr_at := coalesce(ocr_at, TIMESTAMP '0001-01-01'), f := source_file, i := record_index)
        ) AS kept
    FROM judged
    WHERE record_reason IS NULL
    GROUP BY post_id
)

SELECT
    judged.* EXCLUDE (problem_reason, problem_message),
    CASE
        WHEN judged.problem_reason IS NOT NULL THEN judged.problem_message
        WHEN judged.record_reason = 'ocr_bad_post_url' AND coalesce(judged.video_id, '') <> ''
            THEN 'video id ' || judged.video_id || ' in post_url is not a TikTok video id (19 digits '
                || 'with no leading zero, at most 9223372036854775807): ' || tikdb_excerpt(judged.post_url)
        WHEN judged.record_reason = 'ocr_bad_post_url'
            THEN 'post_url is not a TikTok post URL with a 19-digit video id: '
                || tikdb_excerpt(coalesce(judged.post_url, ''))
    END AS record_message,
    -- The record kept for its post (among the records with nothing wrong with them).
    winners.kept.source_file AS kept_file,
    winners.kept.record_index AS kept_record_index,
    coalesce(
        winners.kept.source_file = judged.source_file AND winners.kept.record_index = judged.record_index,
        false
    ) AS is_kept
FROM judged
LEFT JOIN winners
    ON judged.record_reason IS NULL AND winners.post_id = judged.post_id
