-- One row per post, keyed by the 19-digit video id from its URL: its latest observation
-- (the row staging.latest_rows points at), with when it was first and last seen and in
-- how many snapshots. `csv_line` is its line in `snapshot`, the file of that observation.
WITH not_urls AS (
    SELECT post_id, count(*) AS n
    FROM staging.slide_rejects
    GROUP BY post_id
)

SELECT
    rows.post_id,
    tikdb_canonical_post_url(rows.url_handle, rows.post_id) AS post_url,
    rows.account,
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
    CAST(rows.slide_part_count - coalesce(not_urls.n, 0) AS INTEGER) AS slide_count,
    rows.source,
    -- The video id carries its creation time (epoch seconds) in the top 32 bits.
    make_timestamp((rows.post_id >> 32) * 1000000) AS id_created_at,
    rows.line AS csv_line,
    snapshots.snapshot,
    latest.first_seen_at,
    latest.last_seen_at,
    latest.observations
FROM raw.snapshot_rows AS rows
JOIN staging.latest_rows AS latest USING (snapshot_no, record_no)
JOIN raw.snapshots AS snapshots USING (snapshot_no)
LEFT JOIN not_urls ON not_urls.post_id = rows.post_id
