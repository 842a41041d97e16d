-- Units sold per SKU from $start_date to $end_date, all platforms and shops
-- (mart_sales_daily: units of paid lines).
SELECT sku, CAST(SUM(units) AS BIGINT) AS units
FROM mart_sales_daily
WHERE sales_date BETWEEN $start_date AND $end_date
GROUP BY sku
ORDER BY sku
