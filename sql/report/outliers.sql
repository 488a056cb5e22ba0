-- The $limit strongest outliers among the report's posts: posts with the most views at 3 days against the median of
-- their account's posts of the 30 days before (the outliers view).
SELECT
    o.post_id,
    posts.post_url,
    o.account,
    o.va_id,
    vas.display_name,
    o.created_at,
    o.views_at_age,
    o.baseline_median_views,
    o.baseline_posts,
    o.outlier_score
FROM main.outliers AS o
SEMI JOIN scoped_posts($all_vas, $va_id, $since, $until) AS p USING (post_id)
JOIN main.posts AS posts USING (post_id)
LEFT JOIN main.vas AS vas ON vas.va_id = o.va_id
WHERE o.outlier_score IS NOT NULL
ORDER BY o.outlier_score DESC, o.post_id
LIMIT $limit
