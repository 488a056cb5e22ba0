-- Sheet "Summary": one row per VA in scope (every VA, or the workbook's one VA), even a
-- VA with no posts in the window (posts 0); the posts of accounts with no VA form a row
-- with va_id NULL when there are any. The columns and formulas are va_performance's
-- (scoped_measures, sql/outputs/_scope.sql), over the posts created in the window. Same
-- parameters as posts.sql.
WITH measures AS (
    SELECT * FROM scoped_measures($all_vas, $va_id, $since, $until, false)
),

in_scope AS (
    SELECT va_id, display_name FROM main.vas
    WHERE tikdb_in_va(va_id, $all_vas, $va_id)
    UNION ALL
    SELECT NULL, NULL WHERE EXISTS (SELECT 1 FROM measures WHERE va_id IS NULL)
)

-- A VA without posts in scope has no measures row: its counts are 0, the rest NULL.
SELECT
    in_scope.va_id,
    in_scope.display_name,
    coalesce(measures.posts, 0) AS posts,
    coalesce(measures.accounts, 0) AS accounts,
    measures.total_views,
    measures.median_views,
    measures.mean_views,
    measures.total_engagement,
    measures.engagement_rate,
    coalesce(measures.posts_10k, 0) AS posts_10k,
    measures.pct_posts_10k,
    measures.first_post_at,
    measures.last_post_at,
    coalesce(measures.active_days, 0) AS active_days,
    measures.posts_per_active_day
FROM in_scope
LEFT JOIN measures ON measures.va_id IS NOT DISTINCT FROM in_scope.va_id
ORDER BY measures.total_views DESC NULLS LAST, in_scope.va_id NULLS LAST
