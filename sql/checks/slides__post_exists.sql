-- severity: error
-- description: every slide belongs to a published post
SELECT slides.post_id, slides.slide_index
FROM main.slides AS slides
ANTI JOIN main.posts AS posts USING (post_id)
