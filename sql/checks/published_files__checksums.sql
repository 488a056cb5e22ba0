-- severity: error
-- description: the published files (tikdb.duckdb, each Parquet file) are byte for byte what their build recorded in SHA256SUMS; during a build no file is written yet and the rule passes with nothing to compare
-- tikdb check hashes the files and loads both lists as temporary tables (file, sha256);
-- the checksum file itself appears on both sides without a hash.
SELECT
    coalesce(recorded.file, actual.file) AS file,
    CASE
        WHEN actual.file IS NULL THEN 'missing'
        WHEN recorded.file IS NULL THEN 'not recorded'
        WHEN actual.sha256 IS NULL THEN 'not a regular file'
        ELSE 'changed'
    END AS problem,
    recorded.sha256 AS recorded_sha256,
    actual.sha256 AS actual_sha256
FROM temp.published_files_recorded AS recorded
FULL OUTER JOIN temp.published_files_actual AS actual ON recorded.file = actual.file
WHERE recorded.file IS NULL OR actual.file IS NULL OR recorded.sha256 IS DISTINCT FROM actual.sha256
ORDER BY file
