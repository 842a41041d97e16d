-- The shops of the selection (mart_shops): platform, shop id, the shop's name as the shops
-- table holds it, and its first and last day with order lines (NULL for a shop without any).
SELECT platform, shop_id, shop_name, first_sales_date, last_sales_date
FROM mart_shops
WHERE (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY platform, shop_id
