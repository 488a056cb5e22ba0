-- The build whose check results the report shows: the one checked last.
SELECT
    run_id,
    max(checked_at) AS checked_at
FROM main.check_results
GROUP BY run_id
ORDER BY checked_at DESC, run_id DESC
LIMIT 1
