-- model: mart_costs_daily
-- grain: one row per cost_date, platform, shop_id and kind
-- materialized: table
-- scope: all
-- key: cost_date, platform, shop_id, kind
-- Other costs per day in CNY fen (int_other_costs); company-wide costs carry the platform
-- and shop ALL.
SELECT cost_date, platform, shop_id, kind, amount_fen
FROM int_other_costs
