-- End-of-day stock from $start_date to $end_date (mart_stock_daily: one row per snapshot day,
-- warehouse and SKU, valued at unit cost in CNY fen; NULL value when the SKU has no cost),
-- with the calendar month of the snapshot (dim_calendar).
SELECT s.snapshot_date, c.month_start, s.warehouse_id, s.sku, s.category,
       s.on_hand_units, s.in_transit_units, s.on_hand_value_fen, s.is_stock_out
FROM mart_stock_daily s
JOIN dim_calendar c ON c.day = s.snapshot_date
WHERE s.snapshot_date BETWEEN $start_date AND $end_date
ORDER BY s.snapshot_date, s.warehouse_id, s.sku
