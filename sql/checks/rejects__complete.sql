-- severity: error
-- description: every reject names its file, reason, message and raw text, and CSV rejects their line
SELECT input, entity, source_file, line, record_index, reason
FROM main.rejects
WHERE source_file IS NULL OR reason IS NULL OR message IS NULL OR raw_text IS NULL
    OR (input = 'csv' AND line IS NULL)
    OR (entity = 'ocr_record' AND record_index IS NULL)
