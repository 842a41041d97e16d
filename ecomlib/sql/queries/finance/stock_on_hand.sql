-- Units on hand per warehouse and SKU at the end of the snapshot days from $start_date to
-- $end_date (mart_stock_daily; the reconciliation reads one day at a time).
SELECT snapshot_date, warehouse_id, sku, on_hand_units
FROM mart_stock_daily
WHERE snapshot_date BETWEEN $start_date AND $end_date
ORDER BY snapshot_date, warehouse_id, sku
