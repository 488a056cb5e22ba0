-- Video ids that appear on more than one valid line of the file, with the line that is
-- kept: the last one (a later row in the export supersedes an earlier one). Usually a
-- few rows, so parse.post_rows can apply the rule as a view without copying the posts.
SELECT post_id, max(line) AS kept_line
FROM parse.csv_posts
WHERE reject_reason IS NULL
GROUP BY post_id
HAVING count(*) > 1
