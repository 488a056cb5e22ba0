-- The report's weekly views of the VAs in $va_ids: one row per VA and week that has
-- posts (weeks start on Monday, UTC), 0 views where the VA posted nothing that week.
WITH weeks AS (
    SELECT CAST(date_trunc('week', created_at) AS DATE) AS week
    FROM main.posts
    GROUP BY 1
),

per_va AS (
    SELECT
        va_id,
        CAST(date_trunc('week', created_at) AS DATE) AS week,
        CAST(coalesce(sum(views), 0) AS BIGINT) AS views
    FROM main.post_performance
    WHERE va_id IN (SELECT unnest($va_ids::VARCHAR[]))
    GROUP BY ALL
)

SELECT
    v.va_id,
    weeks.week,
    coalesce(per_va.views, 0) AS views
FROM weeks
CROSS JOIN (SELECT unnest($va_ids::VARCHAR[]) AS va_id) AS v
LEFT JOIN per_va ON per_va.week = weeks.week AND per_va.va_id = v.va_id
ORDER BY v.va_id, weeks.week
