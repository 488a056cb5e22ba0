-- severity: error
-- description: slide_count equals the number of slides published for the post
SELECT posts.post_id, posts.slide_count, coalesce(counted.n, 0) AS slides
FROM main.posts AS posts
LEFT JOIN (SELECT post_id, count(*) AS n FROM main.slides GROUP BY post_id) AS counted USING (post_id)
WHERE posts.slide_count IS DISTINCT FROM coalesce(counted.n, 0)
