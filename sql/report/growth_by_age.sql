-- Median views 1, 3, 7 and 30 days after posting (post_growth) of the report's posts, for
-- the VAs in $va_ids (the report's top VAs), each with the number of posts that have a
-- value at that age.
SELECT
    growth.va_id,
    vas.display_name,
    count(growth.views_1d) AS posts_1d,
    median(growth.views_1d) AS median_1d,
    count(growth.views_3d) AS posts_3d,
    median(growth.views_3d) AS median_3d,
    count(growth.views_7d) AS posts_7d,
    median(growth.views_7d) AS median_7d,
    count(growth.views_30d) AS posts_30d,
    median(growth.views_30d) AS median_30d
FROM main.post_growth AS growth
SEMI JOIN scoped_posts($all_vas, $va_id, $since, $until) AS p USING (post_id)
LEFT JOIN main.vas AS vas ON vas.va_id = growth.va_id
WHERE list_contains($va_ids, growth.va_id)
GROUP BY growth.va_id, vas.display_name
ORDER BY list_position($va_ids, growth.va_id)
