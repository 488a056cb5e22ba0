-- The report's OCR coverage per VA (the account's VA): the report's posts, those with an
-- OCR record, and those whose OCR text is not blank.
SELECT
    p.va_id,
    any_value(vas.display_name) AS display_name,
    count(*) AS posts,
    count(o.post_id) AS with_ocr,
    count(*) FILTER (WHERE trim(o.ocr_text) <> '') AS with_text
FROM scoped_posts($all_vas, $va_id, $since, $until) AS p
LEFT JOIN main.post_ocr AS o USING (post_id)
LEFT JOIN main.vas AS vas USING (va_id)
GROUP BY p.va_id
ORDER BY posts DESC, p.va_id NULLS LAST
