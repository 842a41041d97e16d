-- The shops of the warehouse with the names a seller knows them by (mart_shops: the shop
-- table's name, else the shop id), for the finance report's tables, sentences and actions.
SELECT platform, shop_id, COALESCE(NULLIF(TRIM(shop_name), ''), shop_id) AS shop_name
FROM mart_shops
ORDER BY platform, shop_id
