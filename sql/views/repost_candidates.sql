-- materialized: table (joins outliers with the reuse tables; computed once at build time)
-- Posts worth reposting: strong outliers (outlier_score >= 2, at least three times their
-- account's usual views at 3 days) created at least 30 days before the warehouse's latest
-- observation ("as of"), none of whose slide images (slide_reuse) nor hook text
-- (ocr_text_reuse) another account used in the 30 days before "as of". A use is the
-- other account's post, dated by its created_at; `last_used_elsewhere_at` is the latest
-- such use (older than 30 days), NULL when no other account ever used them.
-- "As of" is the latest observed_at, not the clock, so a rebuild gives the same rows.
WITH as_of AS (
    SELECT max(observed_at) AS latest FROM main.metrics_history
),

strong AS (
    SELECT outliers.*
    FROM main.outliers AS outliers
    CROSS JOIN as_of
    WHERE outliers.outlier_score >= 2
        AND outliers.created_at <= as_of.latest - INTERVAL 30 DAYS
),

-- Every other post that used one of a strong post's images or its hook text.
image_uses AS (
    SELECT slides.post_id AS candidate_id, unnest(reuse.post_ids) AS other_post_id
    FROM strong
    JOIN main.slides AS slides USING (post_id)
    JOIN main.slide_reuse AS reuse USING (image_id)
),

text_uses AS (
    SELECT ocr.post_id AS candidate_id, unnest(reuse.post_ids) AS other_post_id
    FROM strong
    JOIN main.post_ocr AS ocr USING (post_id)
    JOIN main.ocr_text_reuse AS reuse USING (text_hash)
),

elsewhere AS (
    SELECT uses.candidate_id AS post_id, max(other.created_at) AS last_used_elsewhere_at
    FROM (SELECT * FROM image_uses UNION ALL SELECT * FROM text_uses) AS uses
    JOIN main.posts AS candidate ON candidate.post_id = uses.candidate_id
    JOIN main.posts AS other ON other.post_id = uses.other_post_id
    WHERE other.account <> candidate.account
    GROUP BY uses.candidate_id
)

SELECT
    strong.post_id,
    posts.post_url,
    strong.account,
    strong.va_id,
    strong.created_at,
    strong.views_at_age,
    strong.baseline_median_views,
    strong.outlier_score,
    posts.views,
    CASE WHEN trim(ocr.ocr_text) <> '' THEN ocr.ocr_text END AS hook_text,
    elsewhere.last_used_elsewhere_at
FROM strong
CROSS JOIN as_of
JOIN main.posts AS posts USING (post_id)
LEFT JOIN main.post_ocr AS ocr USING (post_id)
LEFT JOIN elsewhere USING (post_id)
WHERE elsewhere.last_used_elsewhere_at IS NULL
    OR elsewhere.last_used_elsewhere_at < as_of.latest - INTERVAL 30 DAYS
ORDER BY strong.outlier_score DESC, strong.post_id
