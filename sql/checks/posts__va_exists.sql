-- severity: error
-- description: every post's VA and account exist in vas and accounts
SELECT posts.post_id, posts.account, posts.va_id
FROM main.posts AS posts
WHERE (posts.va_id IS NOT NULL AND posts.va_id NOT IN (SELECT va_id FROM main.vas))
    OR posts.account NOT IN (SELECT account FROM main.accounts)
