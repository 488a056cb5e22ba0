-- The slide parts that are not URLs. Only the lists csv_posts kept as odd (not clean)
-- can hold one, so the big slide lists are split only once, in main.slides.
WITH parts AS (
    SELECT
        post_id,
        line,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM (
        SELECT post_id, line, tikdb_slide_parts(odd_slides) AS parts
        FROM staging.post_rows
        WHERE is_kept AND odd_slides IS NOT NULL
    )
)

SELECT post_id, line, CAST(slide_index AS INTEGER) AS slide_index, part
FROM parts
WHERE NOT tikdb_is_url(part)
