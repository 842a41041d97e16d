-- The rows of mart_sku_day_pnl of the selection from $start_date to $end_date: one per day,
-- shop and SKU (the P&L of a SKU's day, CNY fen). The finance report reads them only for the
-- shops whose costs it estimates (an estimate is worked out per SKU-day).
SELECT sales_date, platform, shop_id, sku, category,
       gmv_fen, paid_fen, refund_fen, cogs_fen, units, units_returned, units_without_cost,
       platform_fee_fen, streamer_commission_fen, logistics_fen, packaging_fen, ad_spend_fen,
       other_costs_fen
FROM mart_sku_day_pnl
WHERE sales_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY sales_date, platform, shop_id, sku
