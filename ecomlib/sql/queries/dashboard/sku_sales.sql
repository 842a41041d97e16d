-- One row per SKU sold from $start_date to $end_date in the selected shops
-- (mart_sales_daily summed): paid amount, units and refunds of its paid lines (CNY fen), with
-- the product name of mart_products (NULL for a SKU missing from products).
WITH sold AS (
    SELECT sku,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(units) AS BIGINT) AS units,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen
    FROM mart_sales_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY sku
)
SELECT s.sku, p.product_name, s.paid_fen, s.units, s.refund_fen
FROM sold s
LEFT JOIN mart_products p ON p.sku = s.sku
ORDER BY s.sku
