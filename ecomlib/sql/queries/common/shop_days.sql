-- The shops' days of the selection (mart_shop_daily): sales measures, orders and paying
-- buyers per day (buyer-days when summed), with the visitors of the same shop-day
-- (mart_traffic_daily summed over sources).
WITH traffic AS (
    SELECT traffic_date AS sales_date, platform, shop_id,
           CAST(SUM(visitors) AS BIGINT) AS visitors,
           CAST(SUM(page_views) AS BIGINT) AS page_views,
           CAST(SUM(add_to_cart) AS BIGINT) AS add_to_cart
    FROM mart_traffic_daily
    WHERE traffic_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY ALL
),
sales AS (
    SELECT *
    FROM mart_shop_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
)
SELECT COALESCE(s.sales_date, t.sales_date) AS sales_date,
       COALESCE(s.platform, t.platform) AS platform,
       COALESCE(s.shop_id, t.shop_id) AS shop_id,
       COALESCE(s.count_orders, 0) AS count_orders,
       COALESCE(s.count_paid_orders, 0) AS count_paid_orders,
       COALESCE(s.count_buyers, 0) AS count_buyers,
       COALESCE(s.gmv_fen, 0) AS gmv_fen, COALESCE(s.units, 0) AS units,
       COALESCE(s.list_fen, 0) AS list_fen,
       COALESCE(s.shop_discount_fen, 0) AS shop_discount_fen,
       COALESCE(s.platform_discount_fen, 0) AS platform_discount_fen,
       COALESCE(s.paid_fen, 0) AS paid_fen, COALESCE(s.refund_fen, 0) AS refund_fen,
       COALESCE(s.units_returned, 0) AS units_returned, COALESCE(s.cogs_fen, 0) AS cogs_fen,
       COALESCE(s.units_without_cost, 0) AS units_without_cost,
       COALESCE(t.visitors, 0) AS visitors, COALESCE(t.page_views, 0) AS page_views,
       COALESCE(t.add_to_cart, 0) AS add_to_cart
FROM sales s
FULL OUTER JOIN traffic t
  ON t.sales_date = s.sales_date AND t.platform = s.platform AND t.shop_id = s.shop_id
ORDER BY 1, 2, 3
