-- One row per slide image of a loaded post (from its latest row), in the post's order; `slide_index` is the
-- 1-based position among the post's non-empty slide parts. The signed query string
-- changes on every re-issue, so a slide's identity is its image_id (with its bucket),
-- never the URL; slides are never de-duplicated. Parts that are not URLs are rejects
-- (staging.slide_rejects).
-- No `WHERE slides <> ''`: an empty list has no parts to unnest anyway, and with that
-- filter DuckDB guessed the rows fewer than the posts and built the semi join's hash
-- table on the rows, slide lists and all (at 1M posts it filled the memory limit and
-- spilled), instead of on the keys.
WITH lists AS (
    SELECT rows.post_id, tikdb_slide_parts(rows.slides) AS parts
    FROM raw.snapshot_rows AS rows
    SEMI JOIN staging.latest_rows AS latest USING (snapshot_no, record_no)
),

parts AS (
    SELECT
        post_id,
        generate_subscripts(parts, 1) AS slide_index,
        unnest(parts) AS part
    FROM lists
)

SELECT
    post_id,
    CAST(slide_index AS INTEGER) AS slide_index,
    part AS slide_url,
    tikdb_image_id(part) AS image_id,
    nullif(split_part(part, '/', 4), '') AS bucket,
    split_part(part, '/', 3) AS host,
    tikdb_url_expiry(part) AS expires_at
FROM parts
WHERE tikdb_is_url(part)
