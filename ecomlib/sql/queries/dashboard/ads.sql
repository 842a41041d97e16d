-- Ad spend per day and shop of the selection (mart_ads_daily summed over ad channels and
-- campaigns): spend and the amount paid that the ad platforms attribute to the ads (CNY fen),
-- from $start_date to $end_date. The explorer joins it to the shop-days (common/shop_days).
SELECT spend_date, platform, shop_id,
       CAST(SUM(spend_fen) AS BIGINT) AS spend_fen,
       CAST(SUM(attributed_paid_fen) AS BIGINT) AS attributed_paid_fen
FROM mart_ads_daily
WHERE spend_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY spend_date, platform, shop_id
ORDER BY spend_date, platform, shop_id
