-- Every VA (for --va NAME and --per-va): its id, display name and the spellings seen,
-- with the report's posts of its accounts and their views (0 and 0 when it has none in
-- the report's dates; views NULL when none of its posts has a view count).
SELECT
    vas.va_id,
    vas.display_name,
    vas.spellings,
    count(p.post_id) AS posts,
    CAST(CASE WHEN count(p.post_id) = 0 THEN 0 ELSE sum(p.views) END AS BIGINT) AS total_views
FROM main.vas AS vas
LEFT JOIN scoped_posts(true, NULL, $since, $until) AS p USING (va_id)
GROUP BY ALL
ORDER BY vas.va_id
