-- One row per post, keyed by the 19-digit video id from its URL: its latest observation
-- (staging.latest_rows), with when it was first and last seen and in how many snapshots.
-- `csv_line` is its line in `snapshot`, the file of that observation.
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
    line AS csv_line,
    snapshot,
    first_seen_at,
    last_seen_at,
    observations
FROM staging.latest_rows
LEFT JOIN not_urls USING (post_id)
ORDER BY snapshot_no, record_no
