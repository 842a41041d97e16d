-- model: stg_order_lines
-- grain: one row per platform, shop, order and line (sub-order, 子订单)
-- materialized: view
-- key: platform, shop_id, order_id, line_id
-- The canonical table order_lines as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT platform,
       shop_id,
       order_id,
       line_id,
       sku,
       platform_sku_id,
       quantity,
       list_price_fen,
       shop_discount_fen,
       platform_discount_fen,
       paid_fen
FROM order_lines
