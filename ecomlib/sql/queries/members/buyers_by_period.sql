-- One row per $period ('week', 'month' or 'quarter': its first day) overlapping $start_date
-- .. $end_date, every period of dim_calendar there (an empty one with 0): the members with a
-- paid order in it (count_members), split into new (their first purchase, within the
-- selection and the warehouse's history up to $end_date, falls in the period) and returning
-- (they bought before it), with what each group paid there (CNY fen), from
-- mart_member_orders. Members who bought before the history begins look new in its first
-- periods.
WITH selected AS (
    SELECT member_key, sales_date, paid_fen
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
first_purchases AS (
    SELECT member_key, MIN(sales_date) AS first_date
    FROM selected
    GROUP BY member_key
),
-- each member's orders of a period summed straight from the orders (no pass per member and
-- day over the whole history: only the first day needs it, and MIN gives that)
member_periods AS (
    SELECT o.member_key, CAST(date_trunc($period, o.sales_date) AS DATE) AS period_start,
           MIN(f.first_date) AS first_date, SUM(o.paid_fen) AS paid_fen
    FROM selected o
    JOIN first_purchases f ON f.member_key = o.member_key
    WHERE o.sales_date >= $start_date
    GROUP BY o.member_key, CAST(date_trunc($period, o.sales_date) AS DATE)
),
per_period AS (
    SELECT period_start,
           COUNT(*) AS count_members,
           SUM(CASE WHEN first_date >= period_start THEN 1 ELSE 0 END) AS count_new,
           SUM(CASE WHEN first_date < period_start THEN 1 ELSE 0 END) AS count_returning,
           SUM(CASE WHEN first_date >= period_start THEN paid_fen ELSE 0 END) AS new_paid_fen,
           SUM(CASE WHEN first_date < period_start THEN paid_fen ELSE 0 END)
               AS returning_paid_fen
    FROM member_periods
    GROUP BY period_start
),
periods AS (
    SELECT DISTINCT CAST(date_trunc($period, day) AS DATE) AS period_start
    FROM dim_calendar
    WHERE day BETWEEN $start_date AND $end_date
)
SELECT p.period_start,
       CAST(COALESCE(r.count_members, 0) AS BIGINT) AS count_members,
       CAST(COALESCE(r.count_new, 0) AS BIGINT) AS count_new,
       CAST(COALESCE(r.count_returning, 0) AS BIGINT) AS count_returning,
       CAST(COALESCE(r.new_paid_fen, 0) AS BIGINT) AS new_paid_fen,
       CAST(COALESCE(r.returning_paid_fen, 0) AS BIGINT) AS returning_paid_fen
FROM periods p
LEFT JOIN per_period r ON r.period_start = p.period_start
ORDER BY p.period_start
