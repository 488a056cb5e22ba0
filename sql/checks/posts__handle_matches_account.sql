-- severity: error
-- description: the handle in post_url equals the account
SELECT post_id, account, post_url
FROM main.posts
WHERE post_url IS DISTINCT FROM 'https://www.tiktok.com/@' || account || '/video/' || CAST(post_id AS VARCHAR)
