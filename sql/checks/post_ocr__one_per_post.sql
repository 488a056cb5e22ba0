-- severity: error
-- description: at most one post_ocr row per post, never with a null post_id
SELECT post_id, count(*) AS copies
FROM main.post_ocr
GROUP BY post_id
HAVING post_id IS NULL OR count(*) > 1
