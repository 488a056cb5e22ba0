-- The report's rejects by reason, with the first example of each (the lowest line or
-- record number).
SELECT
    input,
    entity,
    reason,
    count(*) AS records,
    min(source_file) AS source_file,
    arg_min(message, coalesce(line, record_index, 0)) AS message
FROM main.rejects
GROUP BY input, entity, reason
ORDER BY records DESC, input, entity, reason
