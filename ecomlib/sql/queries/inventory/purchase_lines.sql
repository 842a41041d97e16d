-- Purchase-order lines ordered up to $end_date (inclusive; earlier orders still arriving
-- count too) into the selected warehouses ($warehouses, empty = all), with their lead-time
-- measures (mart_purchase_lines), in the order of their keys.
SELECT po_id, sku, supplier_id, supplier_name, warehouse_id,
       ordered_on, promised_on, received_on,
       quantity_ordered, quantity_received, unit_cost_fen,
       lead_days, promised_days, late_days, is_on_time
FROM mart_purchase_lines
WHERE ordered_on <= $end_date
  AND (len($warehouses) = 0 OR list_contains($warehouses, warehouse_id))
ORDER BY po_id, sku
