-- severity: error
-- description: every CSV record read is an observation of a post or a post reject (nothing lost, nothing invented)
SELECT
    run_id,
    csv_records,
    (SELECT count(*) FROM main.metrics_history) AS observations,
    (SELECT count(*) FROM main.rejects WHERE input = 'csv' AND entity = 'post') AS post_rejects
FROM latest_import()
WHERE csv_records IS DISTINCT FROM
    (SELECT count(*) FROM main.metrics_history)
    + (SELECT count(*) FROM main.rejects WHERE input = 'csv' AND entity = 'post')
    OR csv_records <> csv_loaded + csv_duplicates + csv_rejected
