-- One row per (province, city) that is the home of a member who bought from $start_date to
-- $end_date (home = the delivery region of their latest paid order of the period; '' when
-- unknown), from mart_member_orders: the members (count_members), those with two or more
-- paid orders (count_repeat_members), their paid orders and paid amount in the period (CNY
-- fen). Members add up over cities to provinces.
-- The latest paid order is the one of the latest payment (a missing payment time last), then
-- the smallest platform, shop and order id: arg_min over that key in the one aggregation per
-- member (no window sort).
WITH per_member AS (
    SELECT member_key, COUNT(*) AS count_orders, SUM(paid_fen) AS paid_fen,
           arg_min({'province': COALESCE(province, ''), 'city': COALESCE(city, '')},
                   {'paid_at': COALESCE(-epoch_us(paid_at), 9223372036854775807),
                    'platform': platform, 'shop_id': shop_id, 'order_id': order_id}) AS home
    FROM mart_member_orders
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY member_key
)
SELECT home.province AS province, home.city AS city,
       CAST(COUNT(*) AS BIGINT) AS count_members,
       CAST(SUM(CASE WHEN count_orders >= 2 THEN 1 ELSE 0 END) AS BIGINT) AS count_repeat_members,
       CAST(SUM(count_orders) AS BIGINT) AS count_orders,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen
FROM per_member
GROUP BY home.province, home.city
ORDER BY paid_fen DESC, province, city
