-- One row per post, keyed by the 19-digit video id from its URL, in file order (the
-- export is sorted by creation time).
WITH not_urls AS (
    SELECT post_id, count(*) AS n
    FROM staging.slide_rejects
    GROUP BY post_id
)

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
    CAST(slide_part_count - coalesce(not_urls.n, 0) AS INTEGER) AS slide_count,
    source,
    -- The video id carries its creation time (epoch seconds) in the top 32 bits.
    make_timestamp((post_id >> 32) * 1000000) AS id_created_at,
    line AS csv_line
FROM staging.post_rows
LEFT JOIN not_urls USING (post_id)
WHERE is_kept
