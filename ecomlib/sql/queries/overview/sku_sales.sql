-- Paid sales per SKU from $start_date to $end_date over the selected shops and platforms
-- (mart_sales_daily), with the product's name and category from mart_products (NULL for a
-- code missing from products): CNY fen and units.
SELECT s.sku, MAX(p.product_name) AS product_name,
       COALESCE(MAX(p.category), MAX(s.category)) AS category,
       CAST(SUM(s.paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(s.refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(s.units) AS BIGINT) AS units
FROM mart_sales_daily s
LEFT JOIN mart_products p ON p.sku = s.sku
WHERE s.sales_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, s.platform))
  AND (len($shops) = 0 OR list_contains($shops, s.shop_id))
GROUP BY s.sku
ORDER BY paid_fen DESC, s.sku
