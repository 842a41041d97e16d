-- How fresh each shop's data is: the last day with orders (mart_shops), traffic
-- (mart_traffic_daily) and ad spend (mart_ads_daily) of every shop of the selection, and the
-- last stock snapshot of the warehouse (shared by the shops).
WITH traffic AS (
    SELECT platform, shop_id, MAX(traffic_date) AS last_traffic_date
    FROM mart_traffic_daily GROUP BY platform, shop_id
),
ads AS (
    SELECT platform, shop_id, MAX(spend_date) AS last_ad_date
    FROM mart_ads_daily GROUP BY platform, shop_id
),
stock AS (
    SELECT MAX(snapshot_date) AS last_stock_date FROM mart_stock_daily
)
SELECT s.platform, s.shop_id, s.shop_name, s.last_sales_date,
       t.last_traffic_date, a.last_ad_date, k.last_stock_date
FROM mart_shops s
LEFT JOIN traffic t ON t.platform = s.platform AND t.shop_id = s.shop_id
LEFT JOIN ads a ON a.platform = s.platform AND a.shop_id = s.shop_id
CROSS JOIN stock k
WHERE s.last_sales_date IS NOT NULL
  AND (len($platforms) = 0 OR list_contains($platforms, s.platform))
  AND (len($shops) = 0 OR list_contains($shops, s.shop_id))
ORDER BY s.platform, s.shop_id
