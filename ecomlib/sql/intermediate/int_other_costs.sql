-- model: int_other_costs
-- grain: one row per cost_date, platform, shop and cost kind
-- materialized: view
-- key: cost_date, platform, shop_id, kind
-- Costs other than goods (platform fees, logistics, packaging, rent, salary ...) in CNY fen
-- (int_fx_daily's rate on the cost day).
SELECT c.cost_date, c.platform, c.shop_id, c.kind,
       CAST(ROUND(c.amount_fen * f.cny_per_unit) AS BIGINT) AS amount_fen,
       c.note
FROM stg_other_costs c
LEFT JOIN int_fx_daily f ON f.currency = c.currency AND f.day = c.cost_date
