-- severity: warn
-- description: likes never exceed views
SELECT post_id, views, likes
FROM main.posts
WHERE likes > views
