-- One row per account (lower-case handle) with its VA: the VA named on most of its posts
-- (ties: the alphabetically first). `va_count` > 1 means the rows disagree.
WITH per_va AS (
    SELECT account, va_id, count(*) AS n
    FROM main.posts
    WHERE va_id IS NOT NULL
    GROUP BY ALL
),

chosen AS (
    SELECT account, arg_min(va_id, (-n, va_id)) AS va_id, count(*) AS va_count
    FROM per_va
    GROUP BY account
)

SELECT
    posts.account,
    chosen.va_id,
    CAST(coalesce(chosen.va_count, 0) AS INTEGER) AS va_count,
    count(*) AS posts,
    min(posts.created_at) AS first_post_at,
    max(posts.created_at) AS last_post_at
FROM main.posts AS posts
LEFT JOIN chosen USING (account)
GROUP BY posts.account, chosen.va_id, chosen.va_count
ORDER BY posts.account
