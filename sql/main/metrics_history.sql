-- One row per post per snapshot that has it: the metrics the post had when that export
-- was taken (observed_at, UTC). A build from one --csv is one observation, at the time
-- of the build. `snapshot` is the file the observation was read from.
SELECT
    rows.post_id,
    build.started_at AS observed_at,
    rows.views,
    rows.likes,
    rows.comments,
    rows.shares,
    rows.engagement,
    parse_filename(build.csv_path) AS snapshot
FROM staging.post_rows AS rows
CROSS JOIN raw.build AS build
WHERE rows.is_kept
ORDER BY rows.post_id, observed_at
