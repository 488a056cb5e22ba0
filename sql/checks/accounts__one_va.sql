-- severity: warn
-- description: each account's posts name one VA
SELECT account, va_id, va_count
FROM main.accounts
WHERE va_count > 1
