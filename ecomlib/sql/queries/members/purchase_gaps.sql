-- One row per (gap_days, purchase_number): the gaps between consecutive purchase days of a
-- member whose later day falls from $start_date to $end_date (the earlier day may be before
-- $start_date), from mart_member_orders. purchase_number 2 = the gap from the member's
-- first to second purchase day, 3 = any later gap; count_intervals = how many such gaps.
WITH member_days AS (
    SELECT DISTINCT member_key, sales_date
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
gaps AS (
    SELECT sales_date,
           date_diff('day', LAG(sales_date) OVER (PARTITION BY member_key ORDER BY sales_date),
                     sales_date) AS gap_days,
           ROW_NUMBER() OVER (PARTITION BY member_key ORDER BY sales_date) AS day_rank
    FROM member_days
)
SELECT CAST(gap_days AS BIGINT) AS gap_days,
       CAST(CASE WHEN day_rank = 2 THEN 2 ELSE 3 END AS BIGINT) AS purchase_number,
       CAST(COUNT(*) AS BIGINT) AS count_intervals
FROM gaps
WHERE gap_days IS NOT NULL AND sales_date >= $start_date
GROUP BY gap_days, CASE WHEN day_rank = 2 THEN 2 ELSE 3 END
ORDER BY gap_days, purchase_number
