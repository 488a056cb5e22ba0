-- The $limit best repost candidates among the report's posts (the repost_candidates view),
-- strongest first.
SELECT
    c.post_id,
    c.post_url,
    c.account,
    c.va_id,
    vas.display_name,
    c.created_at,
    c.outlier_score,
    c.views,
    c.hook_text,
    c.last_used_elsewhere_at
FROM main.repost_candidates AS c
SEMI JOIN scoped_posts($all_vas, $va_id, $since, $until) AS p USING (post_id)
LEFT JOIN main.vas AS vas USING (va_id)
ORDER BY c.outlier_score DESC, c.post_id
LIMIT $limit
