-- The explorer's shop list (mart_shops: shops with order lines or listed in shops, with
-- their names and first and last sales days).
SELECT platform, shop_id, shop_name, first_sales_date, last_sales_date
FROM mart_shops
ORDER BY platform, shop_id
