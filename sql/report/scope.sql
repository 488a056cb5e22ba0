-- Not a section: the table macro every section of a report reads its posts from.
-- report_posts(of_va, since, until) is the posts the report covers: those of the accounts
-- of VA of_va (the account's VA, as in va_performance), created on the UTC days since ..
-- until, both inclusive. A NULL argument does not filter. Sections call it with their
-- named parameters: FROM report_posts($va_id, $since, $until).
-- TEMP, like the build's macros: it lives on the report's read-only connection only.
CREATE OR REPLACE TEMP MACRO report_posts(of_va, since, until) AS TABLE
SELECT
    posts.post_id,
    posts.post_url,
    posts.account,
    accounts.va_id,
    posts.created_at,
    posts.views,
    posts.engagement,
    posts.engagement_rate,
    posts.slide_count,
    posts.source
FROM main.posts AS posts
LEFT JOIN main.accounts AS accounts USING (account)
WHERE
    (of_va IS NULL OR accounts.va_id = of_va)
    AND (since IS NULL OR posts.created_at >= CAST(since AS DATE))
    AND (until IS NULL OR posts.created_at < CAST(until AS DATE) + INTERVAL 1 DAY)
