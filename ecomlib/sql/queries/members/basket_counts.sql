-- One row: the paid orders from $start_date to $end_date (count_paid_orders, every buyer,
-- from mart_shop_daily) and the baskets among them, paid orders with 2+ lines
-- (count_baskets, from mart_basket_items).
WITH paid AS (
    SELECT COALESCE(SUM(count_paid_orders), 0) AS count_paid_orders
    FROM mart_shop_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
baskets AS (
    SELECT COUNT(*) AS count_baskets
    FROM (SELECT DISTINCT platform, shop_id, order_id
          FROM mart_basket_items
          WHERE sales_date BETWEEN $start_date AND $end_date
            AND (len($platforms) = 0 OR list_contains($platforms, platform))
            AND (len($shops) = 0 OR list_contains($shops, shop_id))) b
)
SELECT CAST(p.count_paid_orders AS BIGINT) AS count_paid_orders,
       CAST(b.count_baskets AS BIGINT) AS count_baskets
FROM paid p CROSS JOIN baskets b
