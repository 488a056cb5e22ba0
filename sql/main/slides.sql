-- One row per slide image of a loaded post, in the post's order. The signed query string
-- changes on every re-issue, so a slide's identity is its image_id (with its bucket),
-- never the URL; slides are never de-duplicated.
SELECT
    post_id,
    slide_index,
    part AS slide_url,
    tikdb_image_id(part) AS image_id,
    nullif(split_part(part, '/', 4), '') AS bucket,
    split_part(part, '/', 3) AS host,
    tikdb_url_expiry(part) AS expires_at
FROM staging.slide_parts
WHERE is_url
