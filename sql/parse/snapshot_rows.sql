-- materialized: view (copied once to the parse cache's rows.parquet)
-- What a build keeps of one snapshot: every well-formed record, typed, with the rule it
-- breaks (`reject_reason`, NULL for a loaded row), including `duplicate_post` for the
-- earlier lines of a video id that appears again (`kept_line` names the line kept).
-- Rejected records carry their raw text (raw.csv_reject_text); loaded ones carry their
-- slide list, the only raw text a build needs of them.
SELECT
    posts.record_no,
    posts.line,
    posts.line_span,
    posts.post_id,
    posts.url_handle,
    posts.account,
    posts.va_raw,
    posts.va_id,
    posts.created_at,
    posts.views,
    posts.likes,
    posts.comments,
    posts.shares,
    posts.engagement,
    posts.engagement_rate,
    posts.hashtags,
    posts.sound,
    CASE WHEN rows.is_kept THEN records.slides END AS slides,
    posts.slide_list_clean,
    posts.slide_part_count,
    posts.source,
    coalesce(posts.reject_reason, CASE WHEN NOT rows.is_kept THEN 'duplicate_post' END)
        AS reject_reason,
    CASE
        WHEN posts.reject_reason IS NOT NULL THEN posts.reject_message
        WHEN NOT rows.is_kept THEN 'video id ' || CAST(posts.post_id AS VARCHAR)
            || ' appears again on line ' || CAST(rows.kept_line AS VARCHAR)
            || ', which was kept (the last line wins)'
    END AS reject_message,
    CASE WHEN NOT rows.is_kept THEN rows.kept_line END AS kept_line,
    texts.raw_text
FROM parse.csv_posts AS posts
LEFT JOIN parse.post_rows AS rows USING (record_no)
LEFT JOIN raw.csv_reject_text AS texts USING (record_no)
LEFT JOIN raw.csv_records AS records USING (record_no)
ORDER BY posts.record_no
