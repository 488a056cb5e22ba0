-- severity: error
-- description: post_id is unique and not null
SELECT post_id, count(*) AS copies
FROM main.posts
GROUP BY post_id
HAVING post_id IS NULL OR count(*) > 1
