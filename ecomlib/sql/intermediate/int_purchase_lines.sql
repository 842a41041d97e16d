-- model: int_purchase_lines
-- grain: one row per purchase order and SKU
-- materialized: view
-- key: po_id, sku
-- Purchase-order lines with the rules of a purchase, each written here and nowhere else:
-- * unit cost in CNY fen: ROUND(native fen x int_fx_daily's rate on the order day);
-- * lead time (lead_days): days from ordering to receipt, received lines only (NULL while
--   the line is open);
-- * promised lead time (promised_days): days from ordering to the promised delivery day;
-- * late_days: days received after the promised day, 0 when on time or early; is_on_time:
--   received on or before the promised day. Both NULL while open or without a promise.
WITH lines AS (
    SELECT p.*, f.cny_per_unit
    FROM stg_purchase_orders p
    LEFT JOIN int_fx_daily f ON f.currency = p.currency AND f.day = p.ordered_on
)
SELECT po_id, sku, supplier_id, supplier_name, warehouse_id,
       ordered_on, promised_on, received_on,
       quantity_ordered, quantity_received,
       CAST(ROUND(unit_cost_fen * cny_per_unit) AS BIGINT) AS unit_cost_fen,
       date_diff('day', ordered_on, received_on) AS lead_days,
       date_diff('day', ordered_on, promised_on) AS promised_days,
       CASE WHEN received_on IS NULL OR promised_on IS NULL THEN NULL
            WHEN received_on > promised_on THEN date_diff('day', promised_on, received_on)
            ELSE 0 END AS late_days,
       CASE WHEN received_on IS NULL OR promised_on IS NULL THEN NULL
            ELSE received_on <= promised_on END AS is_on_time
FROM lines
