-- One row per post per snapshot that loaded it: the metrics the post had when that
-- export was taken (observed_at, UTC). A build from one --csv is one observation, at the
-- time of the build. `snapshot` is the file the observation was read from.
SELECT
    rows.post_id,
    snapshots.observed_at,
    rows.views,
    rows.likes,
    rows.comments,
    rows.shares,
    rows.engagement,
    snapshots.snapshot
FROM raw.snapshot_rows AS rows
JOIN raw.snapshots AS snapshots USING (snapshot_no)
WHERE rows.reject_reason IS NULL
ORDER BY rows.post_id, snapshots.observed_at
