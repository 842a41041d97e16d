-- The data overview's sales: mart_sales_daily from $start_date to $end_date summed over the
-- selected shops, one row per sales_date, platform and SKU, with the SKU's category and the
-- additive measures (CNY fen, units). Days without sales have no row (see daily_by_platform
-- for a series with every day).
SELECT sales_date, platform, sku,
       MAX(category) AS category,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units,
       CAST(SUM(units_returned) AS BIGINT) AS units_returned
FROM mart_sales_daily
WHERE sales_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY sales_date, platform, sku
ORDER BY sales_date, platform, sku
