-- Not a query: the macros every export sheet (sql/export/) and every report section
-- (sql/report/) reads its posts and its per-VA and per-account measures through, so the
-- posts in scope and the measures over them are defined once, here. It sits in
-- sql/outputs/ because both outputs load it (tikdb.outputs.warehouse.define_scope); like
-- the analytics views it reads only main, the published tables. The macros are TEMP: they
-- live on the reader's read-only connection and never reach the warehouse file. (A name
-- starting with _ marks a file that is not a query, as sql/checks/_macros.sql.)
--
-- The scope is four parameters, which every caller passes as parameters, never as text:
--   since, until  the first and last UTC day of CAST(created_at AS DATE), both included;
--                 NULL: no bound;
--   all_vas       true: the posts of every account, whatever its VA;
--   of_va         when all_vas is false: the posts of the accounts whose VA is of_va;
--                 NULL selects the accounts with no VA (the export's no-va files).
-- A post belongs to its account's VA (accounts.va_id), as in va_performance.
-- The report has no "accounts with no VA" scope: its Scope passes all_vas = (va_id is
-- NULL), so a NULL VA there means every VA (tikdb.outputs.report.data.Scope.params).

-- The window test on a UTC day, for the posts here and for the rows of account_daily.
CREATE OR REPLACE TEMP MACRO tikdb_in_window(created_day, since, until) AS (
    (since IS NULL OR created_day >= since) AND (until IS NULL OR created_day <= until)
);

-- The VA test on an account's VA, for the posts here, account_daily and the vas list.
CREATE OR REPLACE TEMP MACRO tikdb_in_va(va_id, all_vas, of_va) AS (
    all_vas OR va_id IS NOT DISTINCT FROM of_va
);

-- An aggregate: 100 * sum(engagement) / sum(views) over the rows where both are known;
-- NULL when no such row has views.
CREATE OR REPLACE TEMP MACRO tikdb_engagement_rate(views, engagement) AS (
    100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
    / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0)
);

-- The posts in scope: every column of main.posts, but va_id is the account's VA (a row's
-- own VA can be empty or differ from the account's).
CREATE OR REPLACE TEMP MACRO scoped_posts(all_vas, of_va, since, until) AS TABLE
SELECT
    posts.* EXCLUDE (va_id),
    accounts.va_id
FROM main.posts AS posts
LEFT JOIN main.accounts AS accounts USING (account)
WHERE
    tikdb_in_window(CAST(posts.created_at AS DATE), since, until)
    AND tikdb_in_va(accounts.va_id, all_vas, of_va);

-- The measures of the posts in scope: one row per VA with posts in scope (by_account
-- false; account is NULL, and the row with va_id NULL holds the posts of accounts with
-- no VA), or one row per account with posts in scope (by_account true; va_id is its VA).
-- Sums and averages leave out unknown (NULL) metrics; a sum is NULL when none is known.
-- The same formulas as the va_performance view, which the build computes over all posts
-- (tests/test_scope_macros.py proves the two agree row for row).
CREATE OR REPLACE TEMP MACRO scoped_measures(all_vas, of_va, since, until, by_account) AS TABLE
WITH keyed AS (
    SELECT
        *,
        CASE WHEN by_account THEN account END AS group_account
    FROM scoped_posts(all_vas, of_va, since, until)
),

per_group AS (
    SELECT
        va_id,
        group_account,
        count(*) AS posts,
        count(DISTINCT account) AS accounts,
        CAST(sum(views) AS BIGINT) AS total_views,
        median(views) AS median_views,
        avg(views) AS mean_views,
        CAST(sum(engagement) AS BIGINT) AS total_engagement,
        tikdb_engagement_rate(views, engagement) AS engagement_rate,
        count(*) FILTER (WHERE views >= 10000) AS posts_10k,
        -- Share of the posts with a known view count that reached 10,000 views, in percent.
        100.0 * count(*) FILTER (WHERE views >= 10000) / nullif(count(views), 0)
            AS pct_posts_10k,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at,
        count(DISTINCT CAST(created_at AS DATE)) AS active_days
    FROM keyed
    GROUP BY va_id, group_account
)

SELECT
    per_group.va_id,
    vas.display_name,
    per_group.group_account AS account,
    per_group.posts,
    per_group.accounts,
    per_group.total_views,
    per_group.median_views,
    per_group.mean_views,
    per_group.total_engagement,
    per_group.engagement_rate,
    per_group.posts_10k,
    per_group.pct_posts_10k,
    per_group.first_post_at,
    per_group.last_post_at,
    per_group.active_days,
    -- A group has at least one post, so at least one active day.
    per_group.posts / per_group.active_days AS posts_per_active_day
FROM per_group
LEFT JOIN main.vas AS vas USING (va_id);
