-- Paid demand per day and SKU over the selected shops (mart_sales_daily summed over
-- platforms and shops): what the inventory report and the demand forecast read. Only
-- SKU-days with a paid order (orders placed but never paid are no sale). units: units of
-- paid lines (returned ones included: they left the shelf); paid_fen and list_fen in CNY
-- fen; cogs_fen the cost of the units kept and units_returned, as int_order_lines gives them.
SELECT sales_date, sku,
       MAX(category) AS category,
       CAST(SUM(units) AS BIGINT) AS units,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(list_fen) AS BIGINT) AS list_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units_returned) AS BIGINT) AS units_returned
FROM mart_sales_daily
WHERE sales_date BETWEEN $start_date AND $end_date
  AND count_paid_orders > 0
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY sales_date, sku
ORDER BY sales_date, sku
