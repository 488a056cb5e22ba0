-- severity: warn
-- description: engagement = likes + comments + shares
SELECT post_id, likes, comments, shares, engagement
FROM main.posts
WHERE engagement IS DISTINCT FROM likes + comments + shares
    AND engagement IS NOT NULL AND likes IS NOT NULL AND comments IS NOT NULL AND shares IS NOT NULL
