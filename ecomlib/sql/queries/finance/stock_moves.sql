-- Units received, sold and returned per warehouse and SKU from $start_date to $end_date
-- (mart_stock_moves: how stock moves, the movements the quality rule
-- inventory_snapshots.stock_continuity checks day by day). Company-wide: warehouses belong
-- to no shop.
SELECT warehouse_id, sku,
       CAST(SUM(inbound_units) AS BIGINT) AS inbound_units,
       CAST(SUM(outbound_units) AS BIGINT) AS outbound_units,
       CAST(SUM(returned_units) AS BIGINT) AS returned_units
FROM mart_stock_moves
WHERE move_date BETWEEN $start_date AND $end_date
GROUP BY warehouse_id, sku
ORDER BY warehouse_id, sku
