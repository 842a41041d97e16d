-- The P&L of each shop-day of the selection from $start_date to $end_date (mart_sku_day_pnl
-- summed over the shop-day's SKUs and its '(unallocated)' row: exactly the shop's sales and
-- its booked costs of that day, CNY fen). Every shop-day with sales or booked costs.
SELECT sales_date, platform, shop_id,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units,
       CAST(SUM(units_returned) AS BIGINT) AS units_returned,
       CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost,
       CAST(SUM(platform_fee_fen) AS BIGINT) AS platform_fee_fen,
       CAST(SUM(streamer_commission_fen) AS BIGINT) AS streamer_commission_fen,
       CAST(SUM(logistics_fen) AS BIGINT) AS logistics_fen,
       CAST(SUM(packaging_fen) AS BIGINT) AS packaging_fen,
       CAST(SUM(ad_spend_fen) AS BIGINT) AS ad_spend_fen,
       CAST(SUM(other_costs_fen) AS BIGINT) AS other_costs_fen
FROM mart_sku_day_pnl
WHERE sales_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY sales_date, platform, shop_id
ORDER BY sales_date, platform, shop_id
