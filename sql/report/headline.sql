-- The report's headline cards: one row of totals over the report's posts. VAs and
-- accounts count those with posts in the report. Views is NULL when posts exist but
-- none has a view count. Engagement rate = 100 * sum(engagement) / sum(views) over the
-- posts where both are known.
WITH posts AS (
    SELECT * FROM report_posts($va_id, $since, $until)
)

SELECT
    count(*) AS posts,
    CAST(CASE WHEN count(*) = 0 THEN 0 ELSE sum(views) END AS BIGINT) AS views,
    100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
    / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate,
    (SELECT count(*) FROM main.slides SEMI JOIN posts USING (post_id)) AS slides,
    count(DISTINCT va_id) AS vas,
    count(DISTINCT account) AS accounts,
    (SELECT count(*) FROM main.post_ocr SEMI JOIN posts USING (post_id)) AS ocr_posts,
    (
        SELECT count(*) FROM main.post_ocr SEMI JOIN posts USING (post_id)
        WHERE trim(ocr_text) <> ''
    ) AS ocr_text_posts
FROM posts
