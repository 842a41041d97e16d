-- The other costs of the selection (mart_costs_daily: one row per day, shop and kind from
-- $start_date to $end_date, CNY fen). Company-wide costs carry platform and shop ALL and are
-- left out when shops or platforms are picked.
SELECT cost_date, platform, shop_id, kind, amount_fen
FROM mart_costs_daily
WHERE cost_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY cost_date, platform, shop_id, kind
