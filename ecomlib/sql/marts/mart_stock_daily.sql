-- model: mart_stock_daily
-- grain: one row per snapshot_date, warehouse_id and sku
-- materialized: table
-- scope: all
-- key: snapshot_date, warehouse_id, sku
-- End-of-day stock valued at the product's unit cost (CNY fen); a negative position
-- (overselling) is kept as exported and flagged as a stock-out.
SELECT s.snapshot_date, s.warehouse_id, s.sku, p.category,
       s.on_hand_units, s.in_transit_units,
       s.on_hand_units * p.unit_cost_fen AS on_hand_value_fen,
       s.on_hand_units <= 0 AS is_stock_out
FROM stg_inventory_snapshots s
LEFT JOIN stg_products p ON p.sku = s.sku
