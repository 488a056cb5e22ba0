-- severity: error
-- description: every account's VA exists in vas, and every account has posts
SELECT accounts.account, accounts.va_id
FROM main.accounts AS accounts
WHERE (accounts.va_id IS NOT NULL AND accounts.va_id NOT IN (SELECT va_id FROM main.vas))
    OR accounts.account NOT IN (SELECT account FROM main.posts)
