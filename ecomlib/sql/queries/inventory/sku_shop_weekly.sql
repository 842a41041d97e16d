-- Paid units per week, shop and SKU (mart_sales_daily; weeks start on Monday as
-- dim_calendar.week_start): what the forecast's shop totals are reconciled against and
-- what splits a SKU's forecast over its shops (its share of the recent weeks).
SELECT CAST(date_trunc('week', sales_date) AS DATE) AS week_start, shop_id, sku,
       CAST(SUM(units) AS BIGINT) AS units
FROM mart_sales_daily
WHERE sales_date BETWEEN $start_date AND $end_date
  AND count_paid_orders > 0
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY ALL
ORDER BY week_start, shop_id, sku
