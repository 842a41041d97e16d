-- The first and last day with paid sales of the selection (mart_shop_daily): how far back
-- the history reaches (new members need a year of it before a window) and where the data
-- end (a period running past it is incomplete).
SELECT MIN(sales_date) AS first_sales_date, MAX(sales_date) AS last_sales_date
FROM mart_shop_daily
WHERE paid_fen > 0
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
