-- The product name of every SKU (mart_products), for the channels report's SKU tables (the
-- code is shown beside the name).
SELECT sku, product_name
FROM mart_products
ORDER BY sku
