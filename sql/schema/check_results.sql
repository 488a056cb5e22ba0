-- The result of every check rule at every published build, kept across builds, so the
-- history of data quality is queryable. `sample` holds the first offending rows as JSON.
CREATE TABLE IF NOT EXISTS main.check_results (
    run_id VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    rule VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    passed BOOLEAN NOT NULL,
    offending_rows BIGINT NOT NULL,
    sample VARCHAR
);
