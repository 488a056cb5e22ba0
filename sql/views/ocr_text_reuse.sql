-- materialized: table (an aggregate, computed once at build time so queries are instant)
-- One row per OCR text (text_hash) that appears, identical and non-blank, on more than
-- one post: the same hook reused. va_list holds the accounts' VAs (accounts.va_id).
-- post_ids and views_per_post are in post time order, so post_ids[i] and
-- views_per_post[i] belong together; account_list and va_list are sorted by name.
WITH texts AS (
    SELECT
        ocr.text_hash,
        ocr.ocr_text,
        posts.post_id,
        posts.account,
        accounts.va_id,
        posts.created_at,
        posts.views
    FROM main.post_ocr AS ocr
    JOIN main.posts AS posts USING (post_id)
    LEFT JOIN main.accounts AS accounts USING (account)
    WHERE trim(ocr.ocr_text) <> ''
),

reused AS (
    SELECT
        text_hash,
        any_value(ocr_text) AS ocr_text,
        count(*) AS posts,
        count(DISTINCT account) AS accounts,
        list(DISTINCT account ORDER BY account) AS account_list,
        list(DISTINCT va_id ORDER BY va_id) FILTER (WHERE va_id IS NOT NULL) AS va_list,
        CAST(sum(views) AS BIGINT) AS total_views,
        max(views) AS max_views,
        list(post_id ORDER BY created_at, post_id) AS post_ids,
        list(views ORDER BY created_at, post_id) AS views_per_post,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at
    FROM texts
    GROUP BY text_hash
    HAVING count(*) > 1
)

SELECT
    text_hash,
    ocr_text,
    posts,
    accounts,
    account_list,
    coalesce(va_list, []) AS va_list,
    total_views,
    max_views,
    views_per_post,
    post_ids,
    first_post_at,
    last_post_at
FROM reused
ORDER BY posts DESC, total_views DESC, text_hash
