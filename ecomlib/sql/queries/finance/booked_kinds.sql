-- Which kinds of cost each shop of the selection has booked from $start_date to $end_date
-- (a row in mart_costs_daily, or in mart_ads_daily for 'ad_spend'; any amount, 0 included).
-- Company-wide rows (platform ALL) are no shop's.
WITH cost_rows AS (
    SELECT cost_date, platform, shop_id, kind FROM mart_costs_daily
    UNION ALL
    SELECT spend_date, platform, shop_id, 'ad_spend' FROM mart_ads_daily
)
SELECT DISTINCT platform, shop_id, kind
FROM cost_rows
WHERE cost_date BETWEEN $start_date AND $end_date
  AND platform <> 'ALL'
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY platform, shop_id, kind
