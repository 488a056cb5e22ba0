-- The report's heatmap: posts and median views per ISO weekday and UTC hour (all 7 x 24).
SELECT
    weekday,
    hour,
    posts,
    median_views
FROM main.posting_hours
