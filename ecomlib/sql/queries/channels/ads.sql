-- The ad rows of the selection (mart_ads_daily, one row per day, shop, ad channel and
-- campaign from $start_date to $end_date): spend and attributed paid amount in CNY fen,
-- impressions, clicks and attributed orders.
SELECT spend_date, platform, shop_id, channel, campaign,
       spend_fen, impressions, clicks, attributed_orders, attributed_paid_fen
FROM mart_ads_daily
WHERE spend_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY spend_date, platform, shop_id, channel, campaign
