-- The report's weekly views of the VAs in $va_ids: one row per VA and week in which the
-- VA created posts (weeks start on Monday, UTC). A week without posts has no row: the
-- chart shows it as a gap, not as 0. views is NULL when none of the week's posts has a
-- view count.
SELECT
    va_id,
    CAST(date_trunc('week', created_at) AS DATE) AS week,
    count(*) AS posts,
    CAST(sum(views) AS BIGINT) AS views
FROM scoped_posts($all_vas, $va_id, $since, $until)
WHERE va_id IN (SELECT unnest($va_ids::VARCHAR[]))
GROUP BY ALL
ORDER BY va_id, week
