-- severity: warn
-- description: the video id's timestamp (post_id >> 32) lies 0-300 s before created_at
SELECT post_id, created_at, id_created_at
FROM main.posts
WHERE id_created_at > created_at OR id_created_at < created_at - INTERVAL 300 SECOND
