-- severity: error
-- description: (post_id, slide_index) is unique and not null
SELECT post_id, slide_index, count(*) AS copies
FROM main.slides
GROUP BY post_id, slide_index
HAVING post_id IS NULL OR slide_index IS NULL OR count(*) > 1
