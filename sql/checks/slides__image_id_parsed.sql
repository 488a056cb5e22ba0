-- severity: warn
-- description: the share of slides without a parsable image_id stays under tikdb_max_unparsed_image_share
SELECT count(*) FILTER (WHERE image_id IS NULL) AS unparsed, count(*) AS slides,
    round(count(*) FILTER (WHERE image_id IS NULL) / count(*), 4) AS share
FROM main.slides
HAVING count(*) > 0
    AND count(*) FILTER (WHERE image_id IS NULL) / count(*) > getvariable('tikdb_max_unparsed_image_share')
