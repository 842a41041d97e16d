-- model: mart_basket_pairs
-- grain: one row per basket (a paid order with 2+ lines), item kind and pair of items in it
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id, item_kind, item_a, item_b
-- What the bought-together analysis counts (the members report's 商品搭配 and 类目搭配): the
-- pairs of different items of each basket of mart_basket_items, once per basket, item_a <
-- item_b, on the basket's sales day. item_kind 'sku': the canonical SKUs; 'category': the
-- products' categories (a SKU with none is left out). Paired once here at build time, so a
-- report counts rows instead of joining every basket of its period with itself.
WITH basket_rows AS (
    SELECT b.platform, b.shop_id, b.order_id, b.sales_date, b.sku, b.category
    FROM mart_basket_items b
    WHERE EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = b.platform AND s.shop_id = b.shop_id
                    AND s.order_id = b.order_id)
),
basket_items AS (
    SELECT DISTINCT platform, shop_id, order_id, sales_date, 'sku' AS item_kind, sku AS item
    FROM basket_rows
    WHERE sku IS NOT NULL
    UNION ALL
    SELECT DISTINCT platform, shop_id, order_id, sales_date, 'category' AS item_kind,
           category AS item
    FROM basket_rows
    WHERE category IS NOT NULL
)
SELECT a.platform, a.shop_id, a.order_id, a.sales_date, a.item_kind,
       a.item AS item_a, b.item AS item_b
FROM basket_items a
JOIN basket_items b
  ON b.platform = a.platform AND b.shop_id = a.shop_id AND b.order_id = a.order_id
 AND b.item_kind = a.item_kind AND a.item < b.item
