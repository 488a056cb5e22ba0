-- The report's headline cards: one row of warehouse totals.
-- Engagement rate = 100 * sum(engagement) / sum(views) over the posts where both are known.
SELECT
    (SELECT count(*) FROM main.posts) AS posts,
    (SELECT CAST(coalesce(sum(views), 0) AS BIGINT) FROM main.posts) AS views,
    (
        SELECT
            100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
            / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0)
        FROM main.posts
    ) AS engagement_rate,
    (SELECT count(*) FROM main.slides) AS slides,
    (SELECT count(*) FROM main.vas) AS vas,
    (SELECT count(*) FROM main.accounts) AS accounts,
    (SELECT count(*) FROM main.post_ocr) AS ocr_posts,
    (SELECT count(*) FROM main.post_ocr WHERE trim(ocr_text) <> '') AS ocr_text_posts
