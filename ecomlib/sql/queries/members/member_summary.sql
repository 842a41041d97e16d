-- One row per member who bought up to $end_date (the as-of day), from mart_member_orders:
-- the purchase summary RFM and the CLV models read. A purchase is a Beijing day with a paid
-- order (as lifetimes counts them): frequency = purchase days - 1; recency_days = last -
-- first purchase day; age_days = $end_date - first purchase day; days_since_last =
-- $end_date - last purchase day; monetary_value_fen = mean paid per repeat purchase day
-- (0 when frequency = 0); paid_fen and refund_fen (CNY fen) over the member's paid orders
-- (refunds of those orders, whenever completed); count_platforms = platforms bought on.
-- Two hash aggregations and no window: per member and day, then per member; the first
-- day's paid comes from arg_min, so repeat paid = all days - the first day. Platforms and
-- refunds take a third pass; $details false skips it (count_platforms 1, refund_fen 0) for
-- a transaction log that has neither (ecomlib.models.clv.summary_from_transactions runs
-- this query on such a log; the pass is about a third of the work).
WITH paid_orders AS (
    SELECT member_key, platform, sales_date, paid_fen, refund_fen
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
purchase_days AS (
    SELECT member_key, sales_date,
           CAST(SUM(paid_fen) AS BIGINT) AS day_paid_fen,
           COUNT(*) AS count_orders
    FROM paid_orders
    GROUP BY member_key, sales_date
),
member_details AS (
    SELECT member_key, COUNT(DISTINCT platform) AS count_platforms,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen
    FROM paid_orders
    WHERE $details
    GROUP BY member_key
),
per_member AS (
    SELECT member_key,
           CAST(SUM(count_orders) AS BIGINT) AS count_orders,
           COUNT(*) AS count_purchase_days,
           MIN(sales_date) AS first_purchase_date,
           MAX(sales_date) AS last_purchase_date,
           CAST(SUM(day_paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(COALESCE(day_paid_fen, 0)) - COALESCE(arg_min(day_paid_fen, sales_date), 0)
                AS BIGINT) AS repeat_paid_fen
    FROM purchase_days
    GROUP BY member_key
)
SELECT m.member_key,
       m.count_orders,
       m.count_purchase_days,
       m.count_purchase_days - 1 AS frequency,
       date_diff('day', m.first_purchase_date, m.last_purchase_date) AS recency_days,
       date_diff('day', m.first_purchase_date, CAST($end_date AS DATE)) AS age_days,
       date_diff('day', m.last_purchase_date, CAST($end_date AS DATE)) AS days_since_last,
       m.first_purchase_date, m.last_purchase_date,
       m.paid_fen,
       CASE WHEN x.member_key IS NULL THEN CAST(0 AS BIGINT) ELSE x.refund_fen END AS refund_fen,
       CASE WHEN m.count_purchase_days > 1
            THEN m.repeat_paid_fen * 1.0 / (m.count_purchase_days - 1) ELSE 0 END
           AS monetary_value_fen,
       COALESCE(x.count_platforms, 1) AS count_platforms
FROM per_member m
LEFT JOIN member_details x ON x.member_key = m.member_key
ORDER BY m.member_key
