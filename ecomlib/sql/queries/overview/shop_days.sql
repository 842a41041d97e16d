-- One row per calendar day (dim_calendar: every day from $start_date to $end_date, with its
-- month start) and shop of the selection that has order lines in the range: the shop's day
-- from mart_shop_daily (0 on days without sales) and its visitors and page views
-- (mart_traffic_daily summed over sources; 0 without traffic rows). count_buyers counts
-- paying buyers per day, so summed over days it gives buyer-days; visitors summed over days
-- give visitor-days.
WITH days AS (
    SELECT day AS sales_date, month_start
    FROM dim_calendar
    WHERE day BETWEEN $start_date AND $end_date
),
sales AS (
    SELECT *
    FROM mart_shop_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
shops AS (
    SELECT DISTINCT platform, shop_id FROM sales
),
traffic AS (
    SELECT traffic_date AS sales_date, platform, shop_id,
           CAST(SUM(visitors) AS BIGINT) AS visitors,
           CAST(SUM(page_views) AS BIGINT) AS page_views
    FROM mart_traffic_daily
    WHERE traffic_date BETWEEN $start_date AND $end_date
    GROUP BY traffic_date, platform, shop_id
)
SELECT d.sales_date, d.month_start, sh.platform, sh.shop_id,
       COALESCE(s.count_orders, 0) AS count_orders,
       COALESCE(s.count_paid_orders, 0) AS count_paid_orders,
       COALESCE(s.count_buyers, 0) AS count_buyers,
       COALESCE(s.gmv_fen, 0) AS gmv_fen,
       COALESCE(s.paid_fen, 0) AS paid_fen,
       COALESCE(s.refund_fen, 0) AS refund_fen,
       COALESCE(s.cogs_fen, 0) AS cogs_fen,
       COALESCE(s.units, 0) AS units,
       COALESCE(s.units_returned, 0) AS units_returned,
       COALESCE(t.visitors, 0) AS visitors,
       COALESCE(t.page_views, 0) AS page_views
FROM days d
CROSS JOIN shops sh
LEFT JOIN sales s
       ON s.sales_date = d.sales_date AND s.platform = sh.platform AND s.shop_id = sh.shop_id
LEFT JOIN traffic t
       ON t.sales_date = d.sales_date AND t.platform = sh.platform AND t.shop_id = sh.shop_id
ORDER BY d.sales_date, sh.platform, sh.shop_id
