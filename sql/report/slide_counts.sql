-- The report's bar chart: the posts with each number of slides, and their median views.
SELECT
    slide_count,
    count(*) AS posts,
    median(views) AS median_views
FROM main.posts
GROUP BY slide_count
ORDER BY slide_count
