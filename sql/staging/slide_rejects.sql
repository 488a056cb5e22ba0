-- The slide parts that are not URLs, in each post's latest row. Only lists that are not
-- clean can hold one, so the big slide lists are split only once, in main.slides.
WITH parts AS (
    SELECT
        post_id,
        snapshot_no,
        line,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM (
        SELECT rows.post_id, rows.snapshot_no, rows.line, tikdb_slide_parts(rows.slides) AS parts
        FROM raw.snapshot_rows AS rows
        SEMI JOIN staging.latest_rows AS latest USING (snapshot_no, record_no)
        WHERE NOT rows.slide_list_clean
    )
)

SELECT
    parts.post_id,
    snapshots.path AS source_file,
    parts.line,
    CAST(parts.slide_index AS INTEGER) AS slide_index,
    parts.part
FROM parts
JOIN raw.snapshots AS snapshots USING (snapshot_no)
WHERE NOT tikdb_is_url(parts.part)
