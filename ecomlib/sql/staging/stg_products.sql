-- model: stg_products
-- grain: one row per canonical SKU
-- materialized: view
-- key: sku
-- The canonical table products as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT sku,
       spu,
       product_name,
       category,
       unit_cost_fen,
       list_price_fen,
       supplier_id,
       launched_on
FROM products
