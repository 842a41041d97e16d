-- The members' figures of one window $start_date .. $end_date (inclusive) for the members
-- report's summary cards and what drove their moves, at three levels: one row for the whole
-- selection (level 'all'), one per platform ('platform', shop_id NULL) and one per shop
-- ('shop'). A member counts once in each row's group: count_members = members with a paid
-- order in the window there, count_repeat_members = of them with 2+ paid orders there,
-- count_new = of them whose first paid order in the selection (up to $end_date) falls in the
-- window (new to the selection, wherever they bought first); count_orders, paid_fen and
-- refund_fen = their paid orders' (mart_member_orders: CNY fen, refunds of those orders
-- whenever completed). shop_paid_fen and shop_refund_fen = every buyer's of the same window
-- and shops, members or not (mart_shop_daily), for the members' share of net sales.
-- The three member levels are one aggregation (GROUPING SETS; g = GROUPING(platform, shop_id):
-- 0 shop, 1 platform, 3 all): one pass over the window's orders instead of three.
WITH selected AS (
    SELECT member_key, platform, shop_id, sales_date, paid_fen, refund_fen
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
first_orders AS (
    SELECT member_key, MIN(sales_date) AS first_date
    FROM selected
    GROUP BY member_key
),
in_window AS (
    SELECT s.member_key, s.platform, s.shop_id, s.paid_fen, s.refund_fen,
           f.first_date >= $start_date AS is_new
    FROM selected s
    JOIN first_orders f ON f.member_key = s.member_key
    WHERE s.sales_date >= $start_date
),
per_member_level AS (
    SELECT platform, shop_id, member_key, GROUPING(platform, shop_id) AS g,
           COUNT(*) AS n_orders, SUM(paid_fen) AS paid_fen,
           SUM(refund_fen) AS refund_fen, BOOL_OR(is_new) AS is_new
    FROM in_window
    GROUP BY GROUPING SETS ((platform, shop_id, member_key), (platform, member_key), (member_key))
),
shop_sales AS (
    SELECT platform, shop_id, SUM(paid_fen) AS shop_paid_fen, SUM(refund_fen) AS shop_refund_fen
    FROM mart_shop_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY platform, shop_id
),
member_rows AS (
    SELECT CASE g WHEN 0 THEN 'shop' WHEN 1 THEN 'platform' ELSE 'all' END AS level,
           platform, shop_id, COUNT(*) AS count_members,
           COUNT(*) FILTER (WHERE n_orders >= 2) AS count_repeat_members,
           COUNT(*) FILTER (WHERE is_new) AS count_new, SUM(n_orders) AS count_orders,
           SUM(paid_fen) AS paid_fen, SUM(refund_fen) AS refund_fen
    FROM per_member_level GROUP BY g, platform, shop_id
),
sales_rows AS (
    SELECT 'shop' AS level, platform, shop_id, shop_paid_fen, shop_refund_fen FROM shop_sales
    UNION ALL
    SELECT 'platform', platform, NULL, SUM(shop_paid_fen), SUM(shop_refund_fen)
    FROM shop_sales GROUP BY platform
    UNION ALL
    SELECT 'all', NULL, NULL, SUM(shop_paid_fen), SUM(shop_refund_fen) FROM shop_sales
)
SELECT COALESCE(m.level, s.level) AS level,
       COALESCE(m.platform, s.platform) AS platform,
       COALESCE(m.shop_id, s.shop_id) AS shop_id,
       CAST(COALESCE(m.count_members, 0) AS BIGINT) AS count_members,
       CAST(COALESCE(m.count_repeat_members, 0) AS BIGINT) AS count_repeat_members,
       CAST(COALESCE(m.count_new, 0) AS BIGINT) AS count_new,
       CAST(COALESCE(m.count_orders, 0) AS BIGINT) AS count_orders,
       CAST(COALESCE(m.paid_fen, 0) AS BIGINT) AS paid_fen,
       CAST(COALESCE(m.refund_fen, 0) AS BIGINT) AS refund_fen,
       CAST(COALESCE(s.shop_paid_fen, 0) AS BIGINT) AS shop_paid_fen,
       CAST(COALESCE(s.shop_refund_fen, 0) AS BIGINT) AS shop_refund_fen
FROM member_rows m
FULL OUTER JOIN sales_rows s
  ON s.level = m.level
 AND COALESCE(s.platform, '') = COALESCE(m.platform, '')
 AND COALESCE(s.shop_id, '') = COALESCE(m.shop_id, '')
ORDER BY CASE COALESCE(m.level, s.level) WHEN 'all' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END,
         platform, shop_id
