-- materialized: view
-- The CSV records that passed every rule, with the duplicate rule applied: of the lines
-- with the same video id only the last is kept (`is_kept`); the others become
-- `duplicate_post` rejects. A view: a copy of every post cost ~35x more at 10M posts
-- than at 1M once the copy no longer fit in memory.
SELECT
    posts.*,
    coalesce(duplicates.kept_line, posts.line) AS kept_line,
    posts.line = coalesce(duplicates.kept_line, posts.line) AS is_kept
FROM parse.csv_posts AS posts
LEFT JOIN parse.duplicate_posts AS duplicates USING (post_id)
WHERE posts.reject_reason IS NULL
