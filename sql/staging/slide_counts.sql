-- Per loaded post: the non-empty parts of its slide list (counted from the list itself)
-- and the slides published for it. Where they differ, some parts were not URLs.
WITH published AS (
    SELECT post_id, count(*) AS slides
    FROM main.slides
    GROUP BY post_id
)

SELECT
    rows.post_id,
    rows.slide_part_count AS parts,
    coalesce(published.slides, 0) AS slides
FROM staging.post_rows AS rows
LEFT JOIN published USING (post_id)
WHERE rows.is_kept
