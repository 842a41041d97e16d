-- The last sales day with any order line in the warehouse (mart_shop_daily): the big
-- screen's "today" when none is given. NULL when the warehouse has no sales.
SELECT MAX(sales_date) AS sales_date
FROM mart_shop_daily
