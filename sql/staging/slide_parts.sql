-- One row per non-empty slide part of every loaded post; `slide_index` is the 1-based
-- position among the post's non-empty parts, in the original order. Parts that are not
-- URLs stay here (is_url = false) and become slide rejects.
WITH lists AS (
    SELECT post_id, line, tikdb_slide_parts(slides) AS parts
    FROM staging.post_rows
    WHERE is_kept AND slides <> ''
),

parts AS (
    SELECT
        post_id,
        line,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM lists
)

SELECT
    post_id,
    line,
    CAST(slide_index AS INTEGER) AS slide_index,
    part,
    tikdb_is_url(part) AS is_url
FROM parts
