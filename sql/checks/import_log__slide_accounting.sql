-- severity: error
-- description: every non-empty slide part of a loaded post is a slide or a slide reject
WITH latest AS (
    SELECT * FROM main.import_log ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT
    run_id,
    slide_parts,
    (SELECT count(*) FROM main.slides) AS slides,
    (SELECT count(*) FROM main.rejects WHERE entity = 'slide') AS slide_rejects
FROM latest
WHERE slide_parts IS DISTINCT FROM
    (SELECT count(*) FROM main.slides) + (SELECT count(*) FROM main.rejects WHERE entity = 'slide')
    OR slide_parts <> slides_loaded + slides_rejected
