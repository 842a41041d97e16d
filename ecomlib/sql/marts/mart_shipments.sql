-- model: mart_shipments
-- grain: one row per shipped order (platform, shop_id, order_id)
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id
-- What a carrier's bill is checked against (the finance report's courier check): every order
-- with a shipping time, its Beijing shipping day, the delivery province (int_orders) and the
-- units on its lines (quantity of every line: what the parcel holds).
WITH shipped_orders AS (
    SELECT o.platform, o.shop_id, o.order_id, o.province, o.shipped_at
    FROM int_orders o
    WHERE o.shipped_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = o.platform AND s.shop_id = o.shop_id
                    AND s.order_id = o.order_id)
),
parcel_units AS (
    SELECT l.platform, l.shop_id, l.order_id, CAST(SUM(l.quantity) AS BIGINT) AS units
    FROM stg_order_lines l
    JOIN shipped_orders o
      ON o.platform = l.platform AND o.shop_id = l.shop_id AND o.order_id = l.order_id
    GROUP BY l.platform, l.shop_id, l.order_id
)
SELECT o.platform, o.shop_id, o.order_id, o.province, o.shipped_at,
       CAST(o.shipped_at AS DATE) AS shipped_date, u.units
FROM shipped_orders o
JOIN parcel_units u
  ON u.platform = o.platform AND u.shop_id = o.shop_id AND u.order_id = o.order_id
