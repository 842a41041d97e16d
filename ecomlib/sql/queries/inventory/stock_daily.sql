-- End-of-day stock per warehouse and SKU from $start_date to $end_date (mart_stock_daily):
-- units on hand and in transit, the value on hand at unit cost (CNY fen). $warehouses: a
-- list of warehouse ids, empty = every warehouse.
SELECT snapshot_date, warehouse_id, sku, category,
       on_hand_units, in_transit_units, on_hand_value_fen, is_stock_out
FROM mart_stock_daily
WHERE snapshot_date BETWEEN $start_date AND $end_date
  AND (len($warehouses) = 0 OR list_contains($warehouses, warehouse_id))
ORDER BY snapshot_date, warehouse_id, sku
