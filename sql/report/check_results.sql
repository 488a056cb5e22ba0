-- The report's latest checks: the results of build $run_id, failures first.
SELECT
    rule,
    severity,
    passed,
    offending_rows,
    description
FROM main.check_results
WHERE run_id = $run_id
ORDER BY passed, severity, rule
