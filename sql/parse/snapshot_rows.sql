-- materialized: view (copied once to the parse cache's rows.parquet, in record order:
-- the copy runs with the joins as written, see tikdb.pipeline.parse)
-- What a build keeps of one snapshot: every well-formed record, typed, with the rule it
-- breaks (`reject_reason`, NULL for a loaded row), including `duplicate_post` for the
-- earlier lines of a video id that appears again (`kept_line` names the line kept).
-- Rejected records carry their raw text (raw.csv_reject_text); loaded ones carry their
-- slide list, the only raw text a build needs of them.
SELECT
    rows.record_no,
    rows.line,
    rows.line_span,
    rows.post_id,
    rows.url_handle,
    rows.account,
    rows.va_raw,
    rows.va_id,
    rows.created_at,
    rows.views,
    rows.likes,
    rows.comments,
    rows.shares,
    rows.engagement,
    rows.engagement_rate,
    rows.hashtags,
    rows.sound,
    CASE WHEN rows.is_kept THEN rows.slides END AS slides,
    rows.slide_list_clean,
    rows.slide_part_count,
    rows.source,
    coalesce(rows.reject_reason, CASE WHEN NOT rows.is_kept THEN 'duplicate_post' END)
        AS reject_reason,
    CASE
        WHEN rows.reject_reason IS NOT NULL THEN rows.reject_message
        WHEN NOT rows.is_kept THEN 'video id ' || CAST(rows.post_id AS VARCHAR)
            || ' appears again on line ' || CAST(rows.kept_line AS VARCHAR)
            || ', which was kept (the last line wins)'
    END AS reject_message,
    CASE WHEN NOT rows.is_kept THEN rows.kept_line END AS kept_line,
    texts.raw_text
FROM parse.post_rows AS rows
LEFT JOIN raw.csv_reject_text AS texts USING (record_no)
