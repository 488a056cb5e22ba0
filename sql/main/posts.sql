-- One row per post, keyed by the 19-digit video id from its URL.
SELECT
    post_id,
    tikdb_canonical_post_url(url_handle, post_id) AS post_url,
    account,
    va_id,
    created_at,
    views,
    likes,
    comments,
    shares,
    engagement,
    engagement_rate,
    hashtags,
    sound,
    CAST(len(list_filter(slide_parts, lambda x: tikdb_is_url(x))) AS INTEGER) AS slide_count,
    source,
    -- The video id carries its creation time (epoch seconds) in the top 32 bits.
    make_timestamp((post_id >> 32) * 1000000) AS id_created_at,
    line AS csv_line
FROM staging.post_rows
WHERE is_kept
ORDER BY created_at, csv_line
