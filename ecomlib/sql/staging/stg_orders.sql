-- model: stg_orders
-- grain: one row per platform, shop and order (the order header)
-- materialized: view
-- key: platform, shop_id, order_id
-- The canonical table orders as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT platform,
       shop_id,
       order_id,
       member_key,
       province,
       city,
       created_at,
       paid_at,
       shipped_at,
       finished_at,
       status,
       shipping_fee_fen,
       currency,
       traffic_source,
       streamer,
       paid_total_fen,
       refund_total_fen
FROM orders
