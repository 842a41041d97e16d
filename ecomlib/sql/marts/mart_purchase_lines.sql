-- model: mart_purchase_lines
-- grain: one row per purchase order and SKU
-- materialized: table
-- scope: all
-- key: po_id, sku
-- Purchase-order lines as the inventory report reads them (supplier performance, lead
-- times, case packs, receipts, the replenishment replay): dates, units, the unit cost in
-- CNY fen and the lead-time measures of int_purchase_lines (lead_days, promised_days,
-- late_days, is_on_time).
SELECT po_id, sku, supplier_id, supplier_name, warehouse_id,
       ordered_on, promised_on, received_on,
       quantity_ordered, quantity_received, unit_cost_fen,
       lead_days, promised_days, late_days, is_on_time
FROM int_purchase_lines
