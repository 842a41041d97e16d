-- One row per pair of items (item_a < item_b) bought in the same basket (a paid order with
-- 2+ lines) from $start_date to $end_date, seen in at least $min_orders baskets. $item: 'sku'
-- (the canonical SKU, with its product name) or 'category'. The pairs come paired from
-- mart_basket_pairs (one row per basket and pair); count_orders_a / count_orders_b = baskets
-- with each item and count_baskets = every basket of the selection (the support's
-- denominator), from mart_basket_items.
WITH basket_rows AS (
    SELECT platform, shop_id, order_id, sku, product_name, category
    FROM mart_basket_items
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
basket_count AS (
    SELECT COUNT(*) AS count_baskets
    FROM (SELECT DISTINCT platform, shop_id, order_id FROM basket_rows) b
),
items AS (
    SELECT DISTINCT platform, shop_id, order_id,
           CASE WHEN $item = 'sku' THEN sku ELSE category END AS item
    FROM basket_rows
    WHERE CASE WHEN $item = 'sku' THEN sku ELSE category END IS NOT NULL
),
item_orders AS (
    SELECT item, COUNT(*) AS count_orders
    FROM items
    GROUP BY item
),
pairs AS (
    SELECT item_a, item_b, COUNT(*) AS count_pair_orders
    FROM mart_basket_pairs
    WHERE item_kind = $item
      AND sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY item_a, item_b
    HAVING COUNT(*) >= $min_orders
),
names AS (
    SELECT sku, MAX(product_name) AS product_name
    FROM basket_rows
    WHERE $item = 'sku'
    GROUP BY sku
)
SELECT p.item_a, na.product_name AS name_a, p.item_b, nb.product_name AS name_b,
       CAST(p.count_pair_orders AS BIGINT) AS count_pair_orders,
       CAST(ca.count_orders AS BIGINT) AS count_orders_a,
       CAST(cb.count_orders AS BIGINT) AS count_orders_b,
       CAST(n.count_baskets AS BIGINT) AS count_baskets
FROM pairs p
JOIN item_orders ca ON ca.item = p.item_a
JOIN item_orders cb ON cb.item = p.item_b
CROSS JOIN basket_count n
LEFT JOIN names na ON na.sku = p.item_a
LEFT JOIN names nb ON nb.sku = p.item_b
ORDER BY p.item_a, p.item_b
