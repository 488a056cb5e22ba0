-- One row per VA, keyed on the trimmed, case-folded name. The display name is the
-- spelling used on most posts (in their latest rows) (ties: a spelling that is not all capitals, then the
-- alphabetically first).
WITH spellings AS (
    SELECT rows.va_id, tikdb_trim(rows.va_raw) AS spelling, count(*) AS n
    FROM raw.snapshot_rows AS rows
    SEMI JOIN staging.latest_rows AS latest USING (snapshot_no, record_no)
    WHERE rows.va_id IS NOT NULL
    GROUP BY ALL
),

ranked AS (
    SELECT
        va_id,
        spelling,
        row_number() OVER (
            PARTITION BY va_id ORDER BY n DESC, spelling = upper(spelling), spelling
        ) AS rank
    FROM spellings
)

SELECT
    ranked.va_id,
    ranked.spelling AS display_name,
    (SELECT list(DISTINCT s.spelling ORDER BY s.spelling) FROM spellings AS s WHERE s.va_id = ranked.va_id)
        AS spellings,
    stats.posts,
    stats.accounts,
    stats.first_post_at,
    stats.last_post_at
FROM ranked
JOIN (
    SELECT va_id, count(*) AS posts, count(DISTINCT account) AS accounts,
        min(created_at) AS first_post_at, max(created_at) AS last_post_at
    FROM main.posts
    WHERE va_id IS NOT NULL
    GROUP BY va_id
) AS stats USING (va_id)
WHERE ranked.rank = 1
ORDER BY ranked.va_id
