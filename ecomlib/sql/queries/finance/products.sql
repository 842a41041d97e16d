-- The product name of every SKU (mart_products), for the finance report's SKU tables and
-- actions (the code is shown beside the name).
SELECT sku, product_name
FROM mart_products
ORDER BY sku
