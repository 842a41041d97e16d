-- Purchase-order lines ordered up to $end_date (mart_purchase_lines: unit cost in CNY fen),
-- what the cash forecast pays suppliers for. Company-wide: purchase orders belong to no shop.
SELECT po_id, sku, ordered_on, promised_on, received_on, quantity_ordered, quantity_received,
       unit_cost_fen
FROM mart_purchase_lines
WHERE ordered_on <= $end_date
ORDER BY ordered_on, po_id, sku
