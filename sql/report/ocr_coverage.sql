-- The report's OCR coverage per VA (the account's VA): posts, posts with an OCR
-- record, and posts whose OCR text is not blank.
SELECT
    p.va_id,
    any_value(vas.display_name) AS display_name,
    count(*) AS posts,
    count(o.post_id) AS with_ocr,
    count(*) FILTER (WHERE trim(o.ocr_text) <> '') AS with_text
FROM main.post_performance AS p
LEFT JOIN main.post_ocr AS o USING (post_id)
LEFT JOIN main.vas AS vas USING (va_id)
GROUP BY p.va_id
ORDER BY posts DESC, p.va_id NULLS LAST
