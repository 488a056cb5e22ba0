-- The report's headline cards: one row of totals over the report's posts. VAs and
-- accounts count those with posts in the report. Views is NULL when posts exist but
-- none has a view count. Engagement rate = 100 * sum(engagement) / sum(views) over the
-- posts where both are known (tikdb_engagement_rate, sql/outputs/_scope.sql).
WITH posts AS (
    SELECT * FROM scoped_posts($all_vas, $va_id, $since, $until)
)

SELECT
    count(*) AS posts,
    CAST(CASE WHEN count(*) = 0 THEN 0 ELSE sum(views) END AS BIGINT) AS views,
    tikdb_engagement_rate(views, engagement) AS engagement_rate,
    (SELECT count(*) FROM main.slides SEMI JOIN posts USING (post_id)) AS slides,
    count(DISTINCT va_id) AS vas,
    count(DISTINCT account) AS accounts,
    (SELECT count(*) FROM main.post_ocr SEMI JOIN posts USING (post_id)) AS ocr_posts,
    (
        SELECT count(*) FROM main.post_ocr SEMI JOIN posts USING (post_id)
        WHERE trim(ocr_text) <> ''
    ) AS ocr_text_posts
FROM posts
