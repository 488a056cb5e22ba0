-- One row per post: its metrics, slide count, OCR hook text and its rank by views within
-- its VA and within its UTC day (rank 1 = most views; ties share a rank; posts without a
-- view count rank last). va_id is the account's VA (accounts.va_id), as in
-- va_performance; post_va_id is the VA written on the post's own CSV row.
-- hook_text is the post's OCR text, NULL when the post has no OCR record or it is blank.
WITH base AS (
    SELECT
        posts.post_id,
        posts.post_url,
        posts.account,
        accounts.va_id,
        posts.va_id AS post_va_id,
        posts.created_at,
        CAST(posts.created_at AS DATE) AS created_day,
        posts.views,
        posts.likes,
        posts.comments,
        posts.shares,
        posts.engagement,
        posts.engagement_rate,
        posts.slide_count,
        CASE WHEN trim(ocr.ocr_text) <> '' THEN ocr.ocr_text END AS hook_text,
        posts.source
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
    LEFT JOIN main.post_ocr AS ocr USING (post_id)
),

-- The ranks are computed on a narrow projection and joined back by post_id: a window
-- over the full rows (URLs, OCR text) sorts all of them, ~1.5x slower on 1M posts.
ranks AS (
    SELECT
        posts.post_id,
        rank() OVER (PARTITION BY accounts.va_id ORDER BY posts.views DESC NULLS LAST) AS rank_in_va,
        rank() OVER (
            PARTITION BY CAST(posts.created_at AS DATE) ORDER BY posts.views DESC NULLS LAST
        ) AS rank_in_day
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
)

SELECT
    post_id,
    post_url,
    account,
    va_id,
    post_va_id,
    created_at,
    created_day,
    views,
    likes,
    comments,
    shares,
    engagement,
    engagement_rate,
    slide_count,
    hook_text,
    rank_in_va,
    rank_in_day,
    source
FROM base
JOIN ranks USING (post_id)
