-- model: stg_purchase_orders
-- grain: one row per purchase order and SKU
-- materialized: view
-- key: po_id, sku
-- The canonical table purchase_orders as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT po_id,
       sku,
       supplier_id,
       supplier_name,
       warehouse_id,
       ordered_on,
       promised_on,
       received_on,
       quantity_ordered,
       quantity_received,
       unit_cost_fen,
       currency
FROM purchase_orders
