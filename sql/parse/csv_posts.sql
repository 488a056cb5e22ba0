-- Every well-formed record of one CSV file (a snapshot), typed and cleaned, with the first
-- rule it breaks (if any). Raw text columns (hashtags, sound) are kept exactly as written
-- (an empty one is NULL). A post cannot be created after the export that lists it was
-- taken: created_at is compared with the snapshot's observed_at (raw.parse_input),
-- allowing a day of clock skew between the scraper and the machine that took the snapshot.
WITH records AS (
    SELECT
        record_no,
        line,
        line_span,
        tikdb_blank_null(created_date) AS created_date,
        tikdb_blank_null(created_time) AS created_time,
        tikdb_blank_null(account) AS account,
        va AS va_raw,
        tikdb_blank_null(post_url) AS post_url_raw,
        tikdb_blank_null(views) AS views_raw,
        tikdb_blank_null(likes) AS likes_raw,
        tikdb_blank_null(comments) AS comments_raw,
        tikdb_blank_null(shares) AS shares_raw,
        tikdb_blank_null(engagement) AS engagement_raw,
        tikdb_blank_null(engagement_rate) AS engagement_rate_raw,
        nullif(hashtags, '') AS hashtags,
        nullif(sound, '') AS sound,
        slides,
        tikdb_slide_list_is_clean(slides) AS slide_list_clean,
        tikdb_blank_null(source) AS source,
        tikdb_blank_null(video_id) AS video_id_raw,
        field_newlines
    FROM raw.csv_records
),

parsed AS (
    SELECT
        *,
        tikdb_post_url_parts(post_url_raw) AS url_parts,
        try_strptime(created_date || ' ' || created_time, '%Y-%m-%d %H:%M:%S') AS created_at,
        tikdb_count(views_raw) AS views,
        tikdb_count(likes_raw) AS likes,
        tikdb_count(comments_raw) AS comments,
        tikdb_count(shares_raw) AS shares,
        tikdb_count(engagement_raw) AS engagement,
        tikdb_rate(engagement_rate_raw) AS engagement_rate
    FROM records
),

keyed AS (
    SELECT
        *,
        tikdb_video_id(url_parts.video_id) AS post_id,
        lower(nullif(url_parts.handle, '')) AS url_handle
    FROM parsed
),

judged AS (
    SELECT
        *,
        CASE
            WHEN post_url_raw IS NULL THEN 'missing_post_url'
            WHEN regexp_matches(post_url_raw, '^https?://(?:www\.|vm\.|vt\.)?tiktok\.com/(?:t/)?[A-Za-z0-9]{6,12}/?$')
                THEN 'short_link'
            WHEN url_parts.video_id = '' THEN 'bad_post_url'
            WHEN post_id IS NULL THEN 'bad_video_id'
            -- The id comes from post_url; an id column that says otherwise is never trusted
            -- over it, nor silently overruled: the row is rejected.
            WHEN video_id_raw IS NOT NULL AND video_id_raw <> url_parts.video_id THEN 'id_mismatch'
            WHEN account IS NOT NULL AND lower(account) <> url_handle THEN 'account_mismatch'
            WHEN created_date IS NULL OR created_time IS NULL OR created_at IS NULL THEN 'bad_created_at'
            WHEN created_at < TIMESTAMP '2016-01-01' OR created_at > (SELECT observed_at FROM raw.parse_input) + INTERVAL 1 DAY
                THEN 'created_at_out_of_range'
            WHEN (views_raw IS NOT NULL AND views IS NULL)
                OR (likes_raw IS NOT NULL AND likes IS NULL)
                OR (comments_raw IS NOT NULL AND comments IS NULL)
                OR (shares_raw IS NOT NULL AND shares IS NULL)
                OR (engagement_raw IS NOT NULL AND engagement IS NULL)
                OR (engagement_rate_raw IS NOT NULL AND engagement_rate IS NULL)
                THEN 'bad_metric'
        END AS reject_reason
    FROM keyed
)

SELECT
    record_no,
    line,
    line_span,
    field_newlines,
    post_id,
    url_handle,
    lower(coalesce(account, url_handle)) AS account,
    va_raw,
    tikdb_va_key(va_raw) AS va_id,
    created_at,
    views,
    likes,
    comments,
    shares,
    engagement,
    engagement_rate,
    hashtags,
    sound,
    slide_list_clean,
    -- Non-empty parts of the slide list, counted from the list for the accounting check.
    CAST(
        CASE
            WHEN slides = '' THEN 0
            WHEN slide_list_clean THEN len(string_split(slides, '|'))
            ELSE len(tikdb_slide_parts(slides))
        END AS INTEGER
    ) AS slide_part_count,
    source,
    reject_reason,
    CASE reject_reason
        WHEN 'missing_post_url' THEN 'post_url is empty; every post needs its TikTok URL'
        WHEN 'short_link' THEN 'post_url is a short link (' || post_url_raw
            || ') that cannot be resolved offline; export the full /@account/video/<id> URL'
        WHEN 'bad_post_url' THEN 'post_url is not a TikTok post URL with a 19-digit video id: '
            || tikdb_excerpt(post_url_raw)
        WHEN 'bad_video_id' THEN 'video id ' || url_parts.video_id
            || ' in post_url is not a TikTok video id (19 digits with no leading zero, at most '
            || '9223372036854775807): ' || tikdb_excerpt(post_url_raw)
        WHEN 'id_mismatch' THEN 'video_id "' || tikdb_excerpt(video_id_raw) || '" differs from the id '
            || url_parts.video_id || ' in post_url; correct the id column or the URL'
        WHEN 'account_mismatch' THEN 'account "' || tikdb_excerpt(account) || '" differs from the handle "'
            || url_handle || '" in post_url'
        WHEN 'bad_created_at' THEN 'created_date/created_time "'
            || tikdb_excerpt(coalesce(created_date, '') || ' ' || coalesce(created_time, ''))
            || '" is not a YYYY-MM-DD HH:MM:SS time'
        WHEN 'created_at_out_of_range' THEN 'created_at ' || CAST(created_at AS VARCHAR)
            || ' is before 2016 or in the future'
        WHEN 'bad_metric' THEN (
            CASE
                WHEN views_raw IS NOT NULL AND views IS NULL THEN 'views "' || tikdb_excerpt(views_raw)
                WHEN likes_raw IS NOT NULL AND likes IS NULL THEN 'likes "' || tikdb_excerpt(likes_raw)
                WHEN comments_raw IS NOT NULL AND comments IS NULL
                    THEN 'comments "' || tikdb_excerpt(comments_raw)
                WHEN shares_raw IS NOT NULL AND shares IS NULL
                    THEN 'shares "' || tikdb_excerpt(shares_raw)
                WHEN engagement_raw IS NOT NULL AND engagement IS NULL
                    THEN 'engagement "' || tikdb_excerpt(engagement_raw)
                ELSE 'engagement_rate "' || tikdb_excerpt(engagement_rate_raw)
            END || '" is not a whole number >= 0 (or a rate for engagement_rate)'
        )
    END AS reject_message
FROM judged
