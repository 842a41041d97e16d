-- One row per SKU: units on hand and in transit summed over warehouses, each warehouse at its
-- last snapshot on or before $end_date (mart_stock_daily), with the product name and
-- category (mart_products).
WITH last_snapshot AS (
    SELECT warehouse_id, MAX(snapshot_date) AS snapshot_date
    FROM mart_stock_daily
    WHERE snapshot_date <= $end_date
    GROUP BY warehouse_id
)
SELECT s.sku, MAX(p.product_name) AS product_name, MAX(s.category) AS category,
       MAX(s.snapshot_date) AS snapshot_date,
       CAST(SUM(s.on_hand_units) AS BIGINT) AS on_hand_units,
       CAST(SUM(COALESCE(s.in_transit_units, 0)) AS BIGINT) AS in_transit_units
FROM mart_stock_daily s
JOIN last_snapshot l ON l.warehouse_id = s.warehouse_id AND l.snapshot_date = s.snapshot_date
LEFT JOIN mart_products p ON p.sku = s.sku
GROUP BY s.sku
ORDER BY s.sku
