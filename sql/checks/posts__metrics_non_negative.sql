-- severity: error
-- description: views, likes, comments, shares and engagement are whole numbers >= 0
SELECT post_id, views, likes, comments, shares, engagement
FROM main.posts
WHERE views < 0 OR likes < 0 OR comments < 0 OR shares < 0 OR engagement < 0
    OR engagement_rate < 0
