-- The report's slide-count chart: the posts with each number of slides, and their median
-- views. slide_count is NULL for posts whose export has no (usable) slide list: their
-- slide count is unknown, not 0 (scrape rows carry no slides); sources names where such
-- posts come from.
SELECT
    nullif(slide_count, 0) AS slide_count,
    count(*) AS posts,
    median(views) AS median_views,
    list(DISTINCT source ORDER BY source) AS sources
FROM scoped_posts($all_vas, $va_id, $since, $until)
GROUP BY ALL
ORDER BY slide_count NULLS LAST
