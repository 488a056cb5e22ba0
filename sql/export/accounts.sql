-- Sheet "Accounts": one row per account with posts in the window (and VA), most views
-- first. Sums and averages leave out unknown metrics, as in va_performance. Same window
-- and VA parameters as posts.sql.
WITH scoped AS (
    SELECT posts.*, accounts.va_id AS account_va_id
    FROM main.posts AS posts
    LEFT JOIN main.accounts AS accounts USING (account)
    WHERE ($since IS NULL OR CAST(posts.created_at AS DATE) >= $since)
        AND ($until IS NULL OR CAST(posts.created_at AS DATE) <= $until)
        AND ($all_vas OR accounts.va_id IS NOT DISTINCT FROM $va_id)
),

per_account AS (
    SELECT
        account,
        any_value(account_va_id) AS va_id,
        count(*) AS posts,
        CAST(sum(views) AS BIGINT) AS total_views,
        median(views) AS median_views,
        CAST(sum(engagement) AS BIGINT) AS total_engagement,
        100.0 * sum(engagement) FILTER (WHERE views IS NOT NULL)
            / nullif(sum(views) FILTER (WHERE engagement IS NOT NULL), 0) AS engagement_rate,
        count(*) FILTER (WHERE views >= 10000) AS posts_10k,
        min(created_at) AS first_post_at,
        max(created_at) AS last_post_at,
        count(DISTINCT CAST(created_at AS DATE)) AS active_days
    FROM scoped
    GROUP BY account
)

SELECT
    per_account.account,
    per_account.va_id,
    vas.display_name AS va,
    per_account.posts,
    per_account.total_views,
    per_account.median_views,
    per_account.total_engagement,
    per_account.engagement_rate,
    per_account.posts_10k,
    per_account.first_post_at,
    per_account.last_post_at,
    per_account.active_days
FROM per_account
LEFT JOIN main.vas AS vas ON vas.va_id = per_account.va_id
ORDER BY per_account.total_views DESC NULLS LAST, per_account.account
