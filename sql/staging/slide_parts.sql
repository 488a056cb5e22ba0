-- One row per non-empty slide part of every loaded post; `slide_index` is the 1-based
-- position among the post's non-empty parts, in the original order.
WITH lists AS (
    SELECT post_id, line, slide_parts
    FROM staging.post_rows
    WHERE is_kept AND len(slide_parts) > 0
)

SELECT
    post_id,
    line,
    generate_subscripts(slide_parts, 1) AS slide_index,
    unnest(slide_parts) AS part
FROM lists
