-- One row per (gap_days, purchase_number): the gaps between consecutive purchase days of a
-- member whose later day falls from $start_date to $end_date (the earlier day may be before
-- $start_date), from mart_member_orders. purchase_number 2 = the gap from the member's
-- first to second purchase day, 3 = any later gap; count_intervals = how many such gaps.
-- Each member's purchase days in the period in order (one window over the period's days, not
-- the whole history), the day before the first of them being the member's last day before
-- the period; a gap is from the member's first day when its earlier day is that first day.
WITH selected AS (
    SELECT member_key, sales_date
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
-- before the period only each member's first and last purchase day matter
before AS (
    SELECT member_key, MIN(sales_date) AS first_date, MAX(sales_date) AS last_date
    FROM selected
    WHERE sales_date < $start_date
    GROUP BY member_key
),
period_days AS (
    SELECT DISTINCT member_key, sales_date
    FROM selected
    WHERE sales_date >= $start_date
),
in_period AS (
    SELECT member_key, sales_date,
           LAG(sales_date) OVER (PARTITION BY member_key ORDER BY sales_date) AS previous_date,
           MIN(sales_date) OVER (PARTITION BY member_key) AS first_in_period
    FROM period_days
),
gaps AS (
    SELECT p.sales_date,
           COALESCE(p.previous_date, b.last_date) AS previous_date,
           COALESCE(b.first_date, p.first_in_period) AS first_date
    FROM in_period p
    LEFT JOIN before b ON b.member_key = p.member_key
)
SELECT CAST(date_diff('day', previous_date, sales_date) AS BIGINT) AS gap_days,
       CAST(CASE WHEN previous_date = first_date THEN 2 ELSE 3 END AS BIGINT) AS purchase_number,
       CAST(COUNT(*) AS BIGINT) AS count_intervals
FROM gaps
WHERE previous_date IS NOT NULL
GROUP BY date_diff('day', previous_date, sales_date),
         CASE WHEN previous_date = first_date THEN 2 ELSE 3 END
ORDER BY gap_days, purchase_number
