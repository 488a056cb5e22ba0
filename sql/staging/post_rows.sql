-- The CSV records that passed every rule (a table: every model after it reads it), with the duplicate rule applied:
-- when a video id appears on several lines, the last line wins (a later row in the
-- export supersedes an earlier one); the others become `duplicate_post` rejects.
WITH valid AS (
    SELECT * FROM staging.csv_posts WHERE reject_reason IS NULL
),

repeated AS (
    SELECT post_id, max(line) AS kept_line
    FROM valid
    GROUP BY post_id
    HAVING count(*) > 1
),

rows_with_kept AS (
    SELECT
        valid.*,
        coalesce(repeated.kept_line, valid.line) AS kept_line
    FROM valid
    LEFT JOIN repeated USING (post_id)
)

SELECT
    *,
    line = kept_line AS is_kept
FROM rows_with_kept
