-- The report's top reused slides: the $limit images used by the most of the report's
-- posts (two or more; an image repeated inside one post is one use), with the display
-- names of the VAs whose accounts used them. As the slide_reuse view, over these posts.
WITH posts AS (
    SELECT * FROM scoped_posts($all_vas, $va_id, $since, $until)
),

uses AS (
    SELECT DISTINCT
        slides.image_id,
        posts.post_id,
        posts.account,
        posts.va_id,
        posts.created_at,
        posts.views
    FROM main.slides AS slides
    JOIN posts USING (post_id)
    WHERE slides.image_id IS NOT NULL
),

reused AS (
    SELECT image_id
    FROM uses
    GROUP BY image_id
    HAVING count(*) > 1
)

SELECT
    uses.image_id,
    count(*) AS posts,
    list(DISTINCT uses.account ORDER BY uses.account) AS account_list,
    coalesce(
        list(DISTINCT coalesce(vas.display_name, uses.va_id) ORDER BY coalesce(vas.display_name, uses.va_id))
            FILTER (WHERE uses.va_id IS NOT NULL),
        []
    ) AS va_names,
    CAST(sum(uses.views) AS BIGINT) AS total_views,
    max(uses.views) AS max_views,
    min(uses.created_at) AS first_post_at,
    max(uses.created_at) AS last_post_at
FROM uses
SEMI JOIN reused USING (image_id)
LEFT JOIN main.vas AS vas USING (va_id)
GROUP BY uses.image_id
ORDER BY posts DESC, total_views DESC NULLS LAST, uses.image_id
LIMIT $limit
