-- severity: warn
-- description: a post has at most 12 slides, as TikTok photo posts did in the real exports
SELECT post_id, slide_count
FROM main.posts
WHERE slide_count > 12
