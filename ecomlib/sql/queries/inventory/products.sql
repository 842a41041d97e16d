-- The products (mart_products): category, unit cost and list price (CNY fen), supplier and
-- launch day of every SKU, in SKU order.
SELECT sku, spu, product_name, category, unit_cost_fen, list_price_fen, supplier_id,
       launched_on
FROM mart_products
ORDER BY sku
