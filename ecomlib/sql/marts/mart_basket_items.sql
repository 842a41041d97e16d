-- model: mart_basket_items
-- grain: one row per basket (a paid order with 2+ lines) and canonical SKU in it
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id, sku
-- What the basket analysis reads (bought together, in the members report): the SKUs of every
-- paid order with at least two lines, whoever bought it (member or not), on the order's
-- sales day, with the product's name and category (NULL for a SKU missing from products).
-- An order of two lines of one SKU is a basket with one row (it counts as a basket, and
-- pairs none).
WITH paid_lines AS (
    SELECT l.*
    FROM int_order_lines l
    WHERE l.is_paid
      AND EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = l.platform AND s.shop_id = l.shop_id
                    AND s.order_id = l.order_id)
),
baskets AS (
    SELECT platform, shop_id, order_id
    FROM paid_lines
    GROUP BY platform, shop_id, order_id
    HAVING COUNT(*) >= 2
),
basket_skus AS (
    SELECT DISTINCT l.platform, l.shop_id, l.order_id, l.sales_date, l.sku
    FROM paid_lines l
    JOIN baskets b
      ON b.platform = l.platform AND b.shop_id = l.shop_id AND b.order_id = l.order_id
)
SELECT s.platform, s.shop_id, s.order_id, s.sales_date, s.sku, p.product_name, p.category
FROM basket_skus s
LEFT JOIN stg_products p ON p.sku = s.sku
