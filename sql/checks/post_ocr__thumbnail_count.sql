-- severity: warn
-- description: thumbnail_count equals the post's slide count where the post has slides
SELECT ocr.post_id, ocr.thumbnail_count, posts.slide_count
FROM main.post_ocr AS ocr
JOIN main.posts AS posts USING (post_id)
WHERE posts.slide_count > 0 AND ocr.thumbnail_count IS DISTINCT FROM posts.slide_count
