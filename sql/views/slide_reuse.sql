-- materialized: table (an aggregate, computed once at build time so queries are instant)
-- One row per slide image (image_id) used in more than one post: which posts, accounts
-- and VAs used it and the views each of those posts got (an image repeated inside one
-- post counts once); va_list holds the accounts' VAs (accounts.va_id). post_ids and
-- views_per_post are in post time order, so post_ids[i] and views_per_post[i] belong
-- together; account_list and va_list are sorted by name. Column names follow
-- ocr_text_reuse: the same ideas, the same names.
WITH candidate_hashes AS (
    -- Most images appear once; find the reused ones on slides alone before joining.
    -- Used by two posts or more = two different post ids: min <> max gives the same
    -- answer as count(DISTINCT post_id) > 1 at half the cost.
    -- First by a 64-bit hash of the id: grouping ~all 20M images of 10M posts by a
    -- narrow key is ~25% faster than by the 32-character id. A reused image always
    -- passes; an image that only shares its hash with another fails the exact test below.
    SELECT hash(image_id) AS image_hash
    FROM main.slides
    WHERE image_id IS NOT NULL
    GROUP BY image_hash
    HAVING min(post_id) <> max(post_id)
),

reused_ids AS (
    SELECT image_id
    FROM main.slides
    WHERE image_id IS NOT NULL AND hash(image_id) IN (SELECT image_hash FROM candidate_hashes)
    GROUP BY image_id
    HAVING min(post_id) <> max(post_id)
),

uses AS (
    SELECT DISTINCT
        slides.image_id,
        posts.post_id,
        posts.account,
        accounts.va_id,
        posts.created_at,
        posts.views
    FROM main.slides AS slides
    SEMI JOIN reused_ids USING (image_id)
    JOIN main.posts AS posts USING (post_id)
    LEFT JOIN main.accounts AS accounts USING (account)
    WHERE slides.image_id IS NOT NULL
),

reused AS (
    SELECT
        image_id,
        count(*) AS posts,
        count(DISTINCT account) AS accounts,
        count(DISTINCT va_id) AS vas,
        list(DISTINCT account ORDER BY account) AS account_list,
        list(DISTINCT va_id ORDER BY va_id) FILTER (WHERE va_id IS NOT NULL) AS va_list,
        CAST(sum(views) AS BIGINT) AS total_views,
        max(views) AS max_views,
        list(post_id ORDER BY created_at, post_id) AS post_ids,
        list(views ORDER BY created_at, post_id) AS views_per_post,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at
    FROM uses
    GROUP BY image_id
    HAVING count(*) > 1
)

SELECT
    image_id,
    posts,
    accounts,
    vas,
    account_list,
    coalesce(va_list, []) AS va_list,
    total_views,
    max_views,
    views_per_post,
    post_ids,
    first_post_at,
    last_post_at
FROM reused
