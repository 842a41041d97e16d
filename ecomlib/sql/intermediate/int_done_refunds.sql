-- model: int_done_refunds
-- grain: one row per platform, shop and after-sales case (refund_id)
-- materialized: view
-- key: platform, shop_id, refund_id
-- Which after-sales cases count, the one place this rule is written: a case counts when it
-- is completed (status refunded); requested, rejected and cancelled cases move neither money
-- nor stock. Read by int_order_lines (the money and units of each line) and by
-- mart_stock_moves (units back in stock on the refunded_at day).
SELECT r.*
FROM stg_refunds r
WHERE r.status = 'refunded'
