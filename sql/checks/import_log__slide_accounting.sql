-- severity: error
-- description: every non-empty slide part of a loaded post is a slide or a slide reject
SELECT
    run_id,
    slide_parts,
    (SELECT count(*) FROM main.slides) AS slides,
    (SELECT count(*) FROM main.rejects WHERE entity = 'slide') AS slide_rejects
FROM latest_import()
WHERE slide_parts IS DISTINCT FROM
    (SELECT count(*) FROM main.slides) + (SELECT count(*) FROM main.rejects WHERE entity = 'slide')
    OR slide_parts <> slides_loaded + slides_rejected
