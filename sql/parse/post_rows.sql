-- materialized: view
-- Every well-formed CSV record with its slide list and the duplicate rule applied: of the
-- loaded lines with the same video id only the last is kept (`is_kept`); the others
-- become `duplicate_post` rejects. `is_kept` and `kept_line` are NULL on a record that
-- breaks a rule. A view: a copy of every post cost ~35x more at 10M posts than at 1M
-- once the copy no longer fit in memory.
-- The slide lists, the widest text of a record, come from raw.csv_records row by row
-- beside parse.csv_posts (a POSITIONAL JOIN: both hold the records in file order, as
-- csv_posts was made from csv_records with insertion order kept). Matching them on
-- record_no instead put every slide list in a hash table (520 MB of text at 1M posts,
-- past the memory limit with the rest: it spilled). A record whose record_no differs on
-- the two sides stops the build rather than get another's slides.
SELECT
    posts.*,
    CASE
        WHEN records.record_no IS NOT DISTINCT FROM posts.record_no THEN records.slides
        ELSE error('the parsed records and raw.csv_records are out of step at record_no '
            || coalesce(CAST(posts.record_no AS VARCHAR), 'NULL'))
    END AS slides,
    CASE WHEN posts.reject_reason IS NULL THEN coalesce(duplicates.kept_line, posts.line) END
        AS kept_line,
    CASE WHEN posts.reject_reason IS NULL THEN posts.line = coalesce(duplicates.kept_line, posts.line) END
        AS is_kept
FROM parse.csv_posts AS posts
POSITIONAL JOIN (SELECT record_no, slides FROM raw.csv_records) AS records
LEFT JOIN parse.duplicate_posts AS duplicates
    ON duplicates.post_id = posts.post_id AND posts.reject_reason IS NULL
