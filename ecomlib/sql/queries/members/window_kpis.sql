-- The members' figures of each window $start_dates[i] .. $end_dates[i] (inclusive; the two
-- lists pair up, one row set per window, window_start/window_end first) for the members
-- report's summary cards and what drove their moves, at three levels: one row for the whole
-- selection (level 'all'), one per platform ('platform', shop_id NULL) and one per shop
-- ('shop'). A member counts once in each row's group: count_members = members with a paid
-- order in the window there, count_repeat_members = of them with 2+ paid orders there,
-- count_new = of them whose first paid order in the selection (up to the window's end) falls in the
-- window (new to the selection, wherever they bought first); count_orders, paid_fen and
-- refund_fen = their paid orders' (mart_member_orders: CNY fen, refunds of those orders
-- whenever completed). shop_paid_fen and shop_refund_fen = every buyer's of the same window
-- and shops, members or not (mart_shop_daily), for the members' share of net sales.
-- The three member levels are one aggregation (GROUPING SETS; g = GROUPING(platform, shop_id):
-- 0 shop, 1 platform, 3 all): one pass over the window's orders instead of three.
-- The windows share one pass: each member's first paid order is found once (the first order
-- up to the last window's end is the first up to any window's end the member bought in).
WITH windows AS (
    SELECT DISTINCT window_start, window_end
    FROM (SELECT CAST(UNNEST($start_dates) AS DATE) AS window_start,
                 CAST(UNNEST($end_dates) AS DATE) AS window_end)
),
-- (selected is read twice: NOT MATERIALIZED has DuckDB scan the mart twice rather than copy
-- its 3.25M rows at 5M; 1.9 -> 1.65 CPU-s)
selected AS NOT MATERIALIZED (
    SELECT member_key, platform, shop_id, sales_date, paid_fen, refund_fen
    FROM mart_member_orders
    WHERE sales_date <= (SELECT MAX(window_end) FROM windows)
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
first_orders AS (
    SELECT member_key, MIN(sales_date) AS first_date
    FROM selected
    GROUP BY member_key
),
in_window AS (
    SELECT w.window_start, w.window_end, s.member_key, s.platform, s.shop_id, s.paid_fen,
           s.refund_fen, f.first_date >= w.window_start AS is_new
    FROM selected s
    JOIN windows w ON s.sales_date BETWEEN w.window_start AND w.window_end
    JOIN first_orders f ON f.member_key = s.member_key
),
per_member_level AS (
    SELECT window_start, window_end, platform, shop_id, member_key,
           GROUPING(platform, shop_id) AS g,
           COUNT(*) AS n_orders, SUM(paid_fen) AS paid_fen,
           SUM(refund_fen) AS refund_fen, BOOL_OR(is_new) AS is_new
    FROM in_window
    GROUP BY GROUPING SETS ((window_start, window_end, platform, shop_id, member_key),
                            (window_start, window_end, platform, member_key),
                            (window_start, window_end, member_key))
),
shop_sales AS (
    SELECT w.window_start, w.window_end, d.platform, d.shop_id,
           SUM(d.paid_fen) AS shop_paid_fen, SUM(d.refund_fen) AS shop_refund_fen
    FROM mart_shop_daily d
    JOIN windows w ON d.sales_date BETWEEN w.window_start AND w.window_end
    WHERE (len($platforms) = 0 OR list_contains($platforms, d.platform))
      AND (len($shops) = 0 OR list_contains($shops, d.shop_id))
    GROUP BY w.window_start, w.window_end, d.platform, d.shop_id
),
member_rows AS (
    SELECT window_start, window_end,
           CASE g WHEN 0 THEN 'shop' WHEN 1 THEN 'platform' ELSE 'all' END AS level,
           platform, shop_id, COUNT(*) AS count_members,
           COUNT(*) FILTER (WHERE n_orders >= 2) AS count_repeat_members,
           COUNT(*) FILTER (WHERE is_new) AS count_new, SUM(n_orders) AS count_orders,
           SUM(paid_fen) AS paid_fen, SUM(refund_fen) AS refund_fen
    FROM per_member_level GROUP BY window_start, window_end, g, platform, shop_id
),
sales_rows AS (
    SELECT window_start, window_end, 'shop' AS level, platform, shop_id, shop_paid_fen,
           shop_refund_fen
    FROM shop_sales
    UNION ALL
    SELECT window_start, window_end, 'platform', platform, NULL, SUM(shop_paid_fen),
           SUM(shop_refund_fen)
    FROM shop_sales GROUP BY window_start, window_end, platform
    UNION ALL  -- every window has its 'all' row, sales or not
    SELECT w.window_start, w.window_end, 'all', NULL, NULL, SUM(s.shop_paid_fen),
           SUM(s.shop_refund_fen)
    FROM windows w
    LEFT JOIN shop_sales s ON s.window_start = w.window_start AND s.window_end = w.window_end
    GROUP BY w.window_start, w.window_end
)
SELECT COALESCE(m.window_start, s.window_start) AS window_start,
       COALESCE(m.window_end, s.window_end) AS window_end,
       COALESCE(m.level, s.level) AS level,
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
  ON s.window_start = m.window_start AND s.window_end = m.window_end
 AND s.level = m.level
 AND COALESCE(s.platform, '') = COALESCE(m.platform, '')
 AND COALESCE(s.shop_id, '') = COALESCE(m.shop_id, '')
ORDER BY window_start, window_end,
         CASE COALESCE(m.level, s.level) WHEN 'all' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END,
         platform, shop_id
