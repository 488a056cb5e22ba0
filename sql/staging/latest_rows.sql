-- One row per post: where its latest observation is (the row `record_no` of the snapshot
-- `snapshot_no` with the latest observed_at that loaded it), with when it was first and
-- last seen and in how many snapshots. A post missing from later snapshots keeps its
-- last row; its last_seen_at says when. Only the keys: the models read the rows
-- themselves from the parsed files (raw.snapshot_rows), streaming, since at 1M posts
-- they hold more text than a build keeps in memory.
WITH observations AS (
    SELECT rows.post_id, rows.snapshot_no, rows.record_no, snapshots.observed_at
    FROM raw.snapshot_rows AS rows
    JOIN raw.snapshots AS snapshots USING (snapshot_no)
    WHERE rows.reject_reason IS NULL
),

latest AS (
    -- observed_at is unique per snapshot, and a snapshot loads a post once.
    SELECT
        post_id,
        arg_max(struct_pack(snapshot_no, record_no), observed_at) AS row_at,
        min(observed_at) AS first_seen_at,
        max(observed_at) AS last_seen_at,
        count(*) AS observations
    FROM observations
    GROUP BY post_id
)

SELECT
    post_id,
    row_at.snapshot_no,
    row_at.record_no,
    first_seen_at,
    last_seen_at,
    observations
FROM latest
