-- model: int_orders
-- grain: one row per platform, shop and order
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id
-- The rules of an order, each written here and nowhere else:
-- * sales moment, day and paid: int_order_dates (where that rule is written);
-- * CNY rate: int_fx_daily's rate on the sales day (NULL when fx_rates has none: its money
--   converts to NULL; quality rule fx_rates.missing_rate);
-- * buyer: the member, or the order itself when it carries no member key.
-- Money converted to CNY fen: ROUND(native fen x rate), per amount.
WITH scoped AS (
    SELECT o.*
    FROM int_order_dates o
    WHERE EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = o.platform AND s.shop_id = o.shop_id
                    AND s.order_id = o.order_id)
),
rated AS (
    SELECT d.*, f.cny_per_unit AS cny_rate
    FROM scoped d
    LEFT JOIN int_fx_daily f ON f.currency = d.currency AND f.day = d.sales_date
)
SELECT platform, shop_id, order_id, member_key, province, city,
       created_at, paid_at, shipped_at, finished_at, status, currency,
       traffic_source, streamer,
       sales_at, sales_date, is_paid, cny_rate,
       COALESCE(member_key, platform || '/' || shop_id || '/' || order_id) AS buyer_key,
       CAST(ROUND(shipping_fee_fen * cny_rate) AS BIGINT) AS shipping_fee_fen,
       CAST(ROUND(paid_total_fen * cny_rate) AS BIGINT) AS paid_total_fen,
       CAST(ROUND(refund_total_fen * cny_rate) AS BIGINT) AS refund_total_fen
FROM rated
