-- One row per member who bought before $start_date (the holdout period $start_date ..
-- $end_date follows the calibration period): their purchase days in the holdout period
-- (count_holdout_purchases, 0 for none), from mart_member_orders.
WITH member_days AS (
    SELECT DISTINCT member_key, sales_date
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
)
SELECT member_key,
       CAST(SUM(CASE WHEN sales_date >= $start_date THEN 1 ELSE 0 END) AS BIGINT)
           AS count_holdout_purchases
FROM member_days
GROUP BY member_key
HAVING MIN(sales_date) < $start_date
ORDER BY member_key
