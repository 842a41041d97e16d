-- One row per SKU and calendar day (dim_calendar) from the SKU's first to its last day with
-- units sold in the selection ($start_date..$end_date, the selected shops summed): units,
-- the list value and paid amount of its paid lines (mart_sales_daily, CNY fen), 0 on days
-- without sales; category of the SKU. The input of price elasticity.
WITH sold AS (
    SELECT sales_date, sku,
           MAX(category) AS category,
           CAST(SUM(units) AS BIGINT) AS units,
           CAST(SUM(list_fen) AS BIGINT) AS list_fen,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen
    FROM mart_sales_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY sales_date, sku
),
span AS (
    SELECT sku, MIN(sales_date) AS first_day, MAX(sales_date) AS last_day,
           MAX(category) AS category
    FROM sold
    WHERE units > 0
    GROUP BY sku
)
SELECT c.day AS sales_date, p.sku, p.category,
       COALESCE(s.units, 0) AS units,
       COALESCE(s.list_fen, 0) AS list_fen,
       COALESCE(s.paid_fen, 0) AS paid_fen
FROM span p
JOIN dim_calendar c ON c.day BETWEEN p.first_day AND p.last_day
LEFT JOIN sold s ON s.sku = p.sku AND s.sales_date = c.day
ORDER BY c.day, p.sku
