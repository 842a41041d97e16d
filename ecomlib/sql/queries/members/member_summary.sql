-- One row per member who bought up to each as-of day in $end_dates (a list of days; the
-- rows of each as-of day are those of a summary at that day alone), from mart_member_orders:
-- the purchase summary RFM and the CLV models read. A purchase is a Beijing day with a paid
-- order (as lifetimes counts them): frequency = purchase days - 1; recency_days = last -
-- first purchase day; age_days = as_of - first purchase day; days_since_last = as_of - last
-- purchase day; monetary_value_fen = mean paid per repeat purchase day (0 when frequency =
-- 0); paid_fen and refund_fen (CNY fen) over the member's paid orders (refunds of those
-- orders, whenever completed); count_platforms = platforms bought on. $details false gives
-- refund_fen 0 and count_platforms 1 and skips the platforms pass (for a transaction log that
-- has neither: ecomlib.models.clv.summary_from_transactions runs this query on such a log).
-- Sorted by as_of, then member_key.
--
-- Several as-of days in one pass (the members report wants the period's end, the comparison
-- windows' ends and the purchase model's calibration end: each a summary of every member's
-- whole history): the orders are grouped once per member and day, each day falls in the
-- "bucket" of the first as-of day that counts it (bucket k: after the k-th as-of day, up to
-- the (k+1)-th), the days are summed per member and bucket, and a member's summary at the
-- k-th as-of day adds up their buckets 0..k (running sums over the buckets in order; the
-- first purchase day's paid is the first bucket's). One as-of day is one bucket.
WITH as_of_days AS (
    SELECT DISTINCT CAST(UNNEST($end_dates) AS DATE) AS as_of
),
as_of_numbered AS (
    SELECT as_of, CAST(ROW_NUMBER() OVER (ORDER BY as_of) - 1 AS BIGINT) AS k
    FROM as_of_days
),
-- (paid_orders is read three times: scanned each time rather than copied, as in window_kpis)
paid_orders AS NOT MATERIALIZED (
    SELECT member_key, platform, sales_date, paid_fen, refund_fen
    FROM mart_member_orders
    WHERE sales_date <= (SELECT MAX(as_of) FROM as_of_days)
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
purchase_days AS (
    SELECT member_key, sales_date,
           CAST(SUM(paid_fen) AS BIGINT) AS day_paid_fen,
           CAST(SUM(refund_fen) AS BIGINT) AS day_refund_fen,
           COUNT(*) AS count_orders
    FROM paid_orders
    GROUP BY member_key, sales_date
),
day_bucket AS (  -- per sales day: how many as-of days come before it
    SELECT d.sales_date, COUNT(a.as_of) AS bucket
    FROM (SELECT DISTINCT sales_date FROM paid_orders) d
    LEFT JOIN as_of_days a ON a.as_of < d.sales_date
    GROUP BY d.sales_date
),
member_buckets AS (
    SELECT p.member_key, b.bucket,
           CAST(SUM(p.count_orders) AS BIGINT) AS count_orders,
           COUNT(*) AS count_purchase_days,
           MIN(p.sales_date) AS first_purchase_date,
           MAX(p.sales_date) AS last_purchase_date,
           CAST(SUM(p.day_paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(p.day_refund_fen) AS BIGINT) AS refund_fen,
           arg_min(p.day_paid_fen, p.sales_date) AS first_day_paid_fen
    FROM purchase_days p
    JOIN day_bucket b ON b.sales_date = p.sales_date
    GROUP BY p.member_key, b.bucket
),
first_on_platform AS (
    SELECT member_key, MIN(sales_date) AS first_date
    FROM paid_orders
    WHERE $details
    GROUP BY member_key, platform
),
new_platform_buckets AS (  -- platforms a member first bought on within each bucket
    SELECT f.member_key, b.bucket, COUNT(*) AS new_platforms
    FROM first_on_platform f
    JOIN day_bucket b ON b.sales_date = f.first_date
    GROUP BY f.member_key, b.bucket
),
buckets_with_platforms AS (  -- a platform's first day is a purchase day: same buckets
    SELECT m.*, COALESCE(n.new_platforms, 0) AS new_platforms
    FROM member_buckets m
    LEFT JOIN new_platform_buckets n ON n.member_key = m.member_key AND n.bucket = m.bucket
),
running AS (
    SELECT member_key, bucket,
           LEAD(bucket, 1, (SELECT COUNT(*) FROM as_of_days)) OVER upto AS next_bucket,
           SUM(count_orders) OVER upto AS count_orders,
           SUM(count_purchase_days) OVER upto AS count_purchase_days,
           MIN(first_purchase_date) OVER upto AS first_purchase_date,
           MAX(last_purchase_date) OVER upto AS last_purchase_date,
           SUM(paid_fen) OVER upto AS paid_fen,
           SUM(refund_fen) OVER upto AS refund_fen,
           FIRST_VALUE(first_day_paid_fen) OVER upto AS first_day_paid_fen,
           SUM(new_platforms) OVER upto AS count_platforms
    FROM buckets_with_platforms
    WINDOW upto AS (PARTITION BY member_key ORDER BY bucket
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
per_member AS (  -- each running row holds from its bucket's as-of day to the next one's
    SELECT a.as_of, r.*
    FROM (SELECT *, UNNEST(range(bucket, next_bucket)) AS k FROM running) r
    JOIN as_of_numbered a ON a.k = r.k
)
SELECT m.as_of,
       m.member_key,
       CAST(m.count_orders AS BIGINT) AS count_orders,
       CAST(m.count_purchase_days AS BIGINT) AS count_purchase_days,
       CAST(m.count_purchase_days - 1 AS BIGINT) AS frequency,
       date_diff('day', m.first_purchase_date, m.last_purchase_date) AS recency_days,
       date_diff('day', m.first_purchase_date, m.as_of) AS age_days,
       date_diff('day', m.last_purchase_date, m.as_of) AS days_since_last,
       m.first_purchase_date, m.last_purchase_date,
       CAST(m.paid_fen AS BIGINT) AS paid_fen,
       CASE WHEN $details THEN CAST(m.refund_fen AS BIGINT) ELSE CAST(0 AS BIGINT) END
           AS refund_fen,
       CASE WHEN m.count_purchase_days > 1
            THEN (COALESCE(m.paid_fen, 0) - COALESCE(m.first_day_paid_fen, 0)) * 1.0
                 / (m.count_purchase_days - 1)
            ELSE 0 END AS monetary_value_fen,
       CAST(CASE WHEN $details THEN m.count_platforms ELSE 1 END AS BIGINT) AS count_platforms
FROM per_member m
ORDER BY m.as_of, m.member_key
