-- One row per (province, city) that is the home of a member who bought from $start_date to
-- $end_date (home = the delivery region of their latest paid order of the period; '' when
-- unknown), from mart_member_orders: the members (count_members), those with two or more
-- paid orders (count_repeat_members), their paid orders and paid amount in the period (CNY
-- fen). Members add up over cities to provinces.
WITH period_orders AS (
    SELECT member_key, paid_fen, COALESCE(province, '') AS province, COALESCE(city, '') AS city,
           ROW_NUMBER() OVER (PARTITION BY member_key
                              ORDER BY paid_at DESC, platform, shop_id, order_id) AS recent_rank
    FROM mart_member_orders
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
per_member AS (
    SELECT member_key, COUNT(*) AS count_orders, SUM(paid_fen) AS paid_fen,
           MAX(CASE WHEN recent_rank = 1 THEN province END) AS province,
           MAX(CASE WHEN recent_rank = 1 THEN city END) AS city
    FROM period_orders
    GROUP BY member_key
)
SELECT province, city,
       CAST(COUNT(*) AS BIGINT) AS count_members,
       CAST(SUM(CASE WHEN count_orders >= 2 THEN 1 ELSE 0 END) AS BIGINT) AS count_repeat_members,
       CAST(SUM(count_orders) AS BIGINT) AS count_orders,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen
FROM per_member
GROUP BY province, city
ORDER BY paid_fen DESC, province, city
