-- The shops with the names a seller knows them by (mart_shops: the shop table's name, else
-- the shop id), for the members report's tables, sentences and win-back list.
SELECT platform, shop_id, COALESCE(NULLIF(TRIM(shop_name), ''), shop_id) AS shop_name
FROM mart_shops
ORDER BY platform, shop_id
