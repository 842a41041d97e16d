-- model: stg_inventory_snapshots
-- grain: one row per day, warehouse and SKU (end-of-day stock)
-- materialized: view
-- key: snapshot_date, warehouse_id, sku
-- The canonical table inventory_snapshots as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT snapshot_date,
       warehouse_id,
       sku,
       on_hand_units,
       in_transit_units
FROM inventory_snapshots
