-- model: mart_shops
-- grain: one row per platform and shop_id
-- materialized: view
-- key: platform, shop_id
-- Every shop that has order lines (mart_shop_daily) or is listed in shops, with its name
-- (NULL when not listed) and its first and last sales day (NULL without order lines).
WITH sales_span AS (
    SELECT platform, shop_id,
           MIN(sales_date) AS first_sales_date,
           MAX(sales_date) AS last_sales_date
    FROM mart_shop_daily
    GROUP BY platform, shop_id
),
listed AS (
    SELECT platform, shop_id, shop_name
    FROM stg_shops
),
every_shop AS (
    SELECT platform, shop_id FROM sales_span
    UNION
    SELECT platform, shop_id FROM listed
)
SELECT e.platform, e.shop_id, l.shop_name, s.first_sales_date, s.last_sales_date
FROM every_shop e
LEFT JOIN listed l ON l.platform = e.platform AND l.shop_id = e.shop_id
LEFT JOIN sales_span s ON s.platform = e.platform AND s.shop_id = e.shop_id
