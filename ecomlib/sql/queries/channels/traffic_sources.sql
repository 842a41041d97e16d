-- One row per platform, shop and traffic source of the selection (mart_traffic_daily summed
-- over the days from $start_date to $end_date): visitors (visitor-days), add_to_cart and the
-- paying buyers the platform attributes to the source (buyer-days). add_to_cart is NULL
-- (unknown) when any day of the source lacks it, rather than a sum that silently skips days.
SELECT platform, shop_id, source,
       CAST(SUM(visitors) AS BIGINT) AS visitors,
       CASE WHEN COUNT(add_to_cart) = COUNT(*) THEN CAST(SUM(add_to_cart) AS BIGINT) END
           AS add_to_cart,
       CAST(SUM(buyers) AS BIGINT) AS buyers
FROM mart_traffic_daily
WHERE traffic_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY platform, shop_id, source
ORDER BY platform, shop_id, source
