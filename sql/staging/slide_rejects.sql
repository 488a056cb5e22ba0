-- The slide parts that are not URLs, in each post's latest row. Only lists that are not
-- clean can hold one, so the big slide lists are split only once, in main.slides.
WITH parts AS (
    SELECT
        post_id,
        source_file,
        line,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM (
        SELECT post_id, source_file, line, tikdb_slide_parts(slides) AS parts
        FROM staging.latest_rows
        WHERE NOT slide_list_clean
    )
)

SELECT post_id, source_file, line, CAST(slide_index AS INTEGER) AS slide_index, part
FROM parts
WHERE NOT tikdb_is_url(part)
