-- Sheet "Top posts": the 100 posts of the window (and VA) with the most views; rank 1 =
-- most views, ties share a rank (so a tie at 100 can add rows); posts without a view
-- count are left out. Same window and VA parameters as posts.sql.
WITH scoped AS (
    SELECT
        posts.post_id,
        posts.post_url,
        posts.account,
        accounts.va_id,
        posts.created_at,
        posts.views,
        posts.likes,
        posts.comments,
        posts.shares,
        posts.engagement_rate,
        posts.slide_count
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
    WHERE ($since IS NULL OR CAST(posts.created_at AS DATE) >= $since)
        AND ($until IS NULL OR CAST(posts.created_at AS DATE) <= $until)
        AND ($all_vas OR accounts.va_id IS NOT DISTINCT FROM $va_id)
        AND posts.views IS NOT NULL
),

ranked AS (
    SELECT rank() OVER (ORDER BY views DESC) AS rank, *
    FROM scoped
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
