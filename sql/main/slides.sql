-- One row per slide image of a loaded post, in the post's order. The signed query string
-- changes on every re-issue, so a slide's identity is its image_id (with its bucket),
-- never the URL; slides are never de-duplicated.
WITH urls AS (
    SELECT
        post_id,
        slide_index,
        part AS slide_url,
        regexp_extract(
            part,
            '^https?://([^/]+)/([^/]+)/([0-9a-f]{32})~',
            ['host', 'bucket', 'image_id']
        ) AS path_parts,
        regexp_extract(part, '[?&]x-expires=([0-9]{1,12})(?:&|$)', 1) AS expires_raw
    FROM staging.slide_parts
    WHERE tikdb_is_url(part)
)

SELECT
    post_id,
    CAST(slide_index AS INTEGER) AS slide_index,
    slide_url,
    nullif(path_parts.image_id, '') AS image_id,
    nullif(path_parts.bucket, '') AS bucket,
    coalesce(nullif(path_parts.host, ''), regexp_extract(slide_url, '^https?://([^/]+)/', 1)) AS host,
    make_timestamp(try_cast(nullif(expires_raw, '') AS BIGINT) * 1000000) AS expires_at
FROM urls
ORDER BY post_id, slide_index
