-- One row per post: its row in the latest snapshot that loaded it (the one with the
-- latest observed_at), with when it was first and last seen and in how many snapshots.
-- A post missing from later snapshots keeps its last row; its last_seen_at says when.
-- The latest rows are found on a narrow projection first, then read back whole.
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
    rows.*,
    snapshots.snapshot,
    snapshots.path AS source_file,
    latest.first_seen_at,
    latest.last_seen_at,
    latest.observations
FROM raw.snapshot_rows AS rows
JOIN latest
    ON rows.snapshot_no = latest.row_at.snapshot_no AND rows.record_no = latest.row_at.record_no
JOIN raw.snapshots AS snapshots USING (snapshot_no)
