-- model: stg_refunds
-- grain: one row per platform, shop and after-sales case (售后单)
-- materialized: view
-- key: platform, shop_id, refund_id
-- The canonical table refunds as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT platform,
       shop_id,
       refund_id,
       order_id,
       line_id,
       sku,
       refund_fen,
       units_returned,
       reason,
       status,
       requested_at,
       refunded_at,
       currency
FROM refunds
