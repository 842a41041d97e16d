-- model: mart_products
-- grain: one row per canonical SKU
-- materialized: view
-- key: sku
-- The product dimension reports and apps read names, categories and costs from (products
-- as loaded: unit cost and list price in CNY fen).
SELECT sku, spu, product_name, category, unit_cost_fen, list_price_fen, supplier_id,
       launched_on
FROM stg_products
