-- One row per snapshot the build read (a --csv file is one, observed at the build's
-- start): its file, when it was taken, its size and sha256, the records read in it and
-- what became of them, and whether its parse came from the cache (`reused`).
-- records = loaded + duplicates + rejected, per snapshot (check snapshots__accounting):
-- `records` comes from reading the file, the rest from the published tables.
WITH loaded AS (
    SELECT snapshot, count(*) AS n
    FROM main.metrics_history
    GROUP BY snapshot
),

rejected AS (
    SELECT
        source_file AS path,
        count(*) FILTER (WHERE reason = 'duplicate_post') AS duplicates,
        count(*) FILTER (WHERE reason <> 'duplicate_post') AS rejected
    FROM main.rejects
    WHERE input = 'csv' AND entity = 'post'
    GROUP BY source_file
)

SELECT
    snapshots.snapshot,
    snapshots.observed_at,
    snapshots.path,
    snapshots.bytes,
    snapshots.sha256,
    snapshots.records,
    snapshots.blank_lines,
    coalesce(loaded.n, 0) AS loaded,
    coalesce(rejected.duplicates, 0) AS duplicates,
    coalesce(rejected.rejected, 0) AS rejected,
    snapshots.reused
FROM raw.snapshots AS snapshots
LEFT JOIN loaded USING (snapshot)
LEFT JOIN rejected USING (path)
ORDER BY snapshots.observed_at, snapshots.snapshot
