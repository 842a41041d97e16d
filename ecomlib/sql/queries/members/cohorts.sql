-- One row per (cohort_month, activity_month) with a purchase, from mart_member_orders: the
-- members whose first purchase (in the selection's history up to $end_date) falls in
-- cohort_month, a month from that of $start_date on; how many of them bought in
-- activity_month (count_members) and what they paid then (CNY fen).
WITH member_orders AS (
    SELECT member_key, sales_date, paid_fen
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
cohort_of_member AS (
    SELECT member_key, CAST(date_trunc('month', MIN(sales_date)) AS DATE) AS cohort_month
    FROM member_orders
    GROUP BY member_key
)
SELECT c.cohort_month,
       CAST(date_trunc('month', o.sales_date) AS DATE) AS activity_month,
       CAST(COUNT(DISTINCT o.member_key) AS BIGINT) AS count_members,
       CAST(SUM(o.paid_fen) AS BIGINT) AS paid_fen
FROM member_orders o
JOIN cohort_of_member c ON c.member_key = o.member_key
WHERE c.cohort_month >= CAST(date_trunc('month', CAST($start_date AS DATE)) AS DATE)
  -- implied by the line above (no order precedes its member's cohort month); said so that
  -- the join reads only the orders from that month on
  AND o.sales_date >= CAST(date_trunc('month', CAST($start_date AS DATE)) AS DATE)
GROUP BY c.cohort_month, CAST(date_trunc('month', o.sales_date) AS DATE)
ORDER BY cohort_month, activity_month
