-- severity: error
-- description: in every snapshot, each record read is an observation in metrics_history or a post reject naming that file
WITH observed AS (
    SELECT snapshot, count(*) AS n FROM main.metrics_history GROUP BY snapshot
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
    snapshots.records,
    coalesce(observed.n, 0) AS observations,
    coalesce(rejected.duplicates, 0) AS duplicate_rejects,
    coalesce(rejected.rejected, 0) AS other_rejects
FROM main.snapshots AS snapshots
LEFT JOIN observed USING (snapshot)
LEFT JOIN rejected USING (path)
WHERE snapshots.records IS DISTINCT FROM
    coalesce(observed.n, 0) + coalesce(rejected.duplicates, 0) + coalesce(rejected.rejected, 0)
    OR snapshots.loaded IS DISTINCT FROM coalesce(observed.n, 0)
    OR snapshots.duplicates IS DISTINCT FROM coalesce(rejected.duplicates, 0)
    OR snapshots.rejected IS DISTINCT FROM coalesce(rejected.rejected, 0)
