-- Sheet "Top posts": the 100 posts of the window (and VA) with the most views; rank 1 =
-- most views, ties share a rank (so a tie at 100 can add rows); posts without a view
-- count are left out. Same parameters as posts.sql.
WITH ranked AS (
    SELECT rank() OVER (ORDER BY views DESC) AS rank, *
    FROM scoped_posts($all_vas, $va_id, $since, $until)
    WHERE views IS NOT NULL
    QUALIFY rank() OVER (ORDER BY views DESC) <= 100
)

SELECT
    ranked.rank,
    ranked.post_id,
    ranked.post_url,
    ranked.account,
    ranked.va_id,
    vas.display_name AS va,
    ranked.created_at,
    ranked.views,
    ranked.likes,
    ranked.comments,
    ranked.shares,
    ranked.engagement_rate,
    ranked.slide_count,
    CASE WHEN trim(ocr.ocr_text) <> '' THEN ocr.ocr_text END AS hook_text
FROM ranked
LEFT JOIN main.vas AS vas ON vas.va_id = ranked.va_id
LEFT JOIN main.post_ocr AS ocr USING (post_id)
ORDER BY ranked.rank, ranked.post_id
