-- Helpers shared by the check rules. A file whose name starts with "_" is not a rule:
-- load_rules skips it, and run_rules runs it before the rules.
-- The macros are TEMP: they live in the connection, never in the warehouse file, so
-- `tikdb check` can create them on a warehouse opened read-only, including one written
-- by an older tikdb that never stored them.

-- The import_log row of the latest build: the one the accounting rules check.
CREATE OR REPLACE TEMP MACRO latest_import() AS TABLE
    SELECT * FROM main.import_log ORDER BY started_at DESC, run_id DESC LIMIT 1;
