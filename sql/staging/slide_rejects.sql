-- The slide parts that are not URLs, from the few posts whose part and slide counts
-- differ (so the big slide lists are split only once, in main.slides).
WITH lists AS (
    SELECT rows.post_id, rows.line, tikdb_slide_parts(rows.slides) AS parts
    FROM staging.post_rows AS rows
    SEMI JOIN (SELECT post_id FROM staging.slide_counts WHERE parts <> slides) AS odd USING (post_id)
    WHERE rows.is_kept
),

parts AS (
    SELECT
        post_id,
        line,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM lists
)

SELECT post_id, line, CAST(slide_index AS INTEGER) AS slide_index, part
FROM parts
WHERE NOT tikdb_is_url(part)
