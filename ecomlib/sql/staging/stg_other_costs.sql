-- model: stg_other_costs
-- grain: one row per day, platform, shop and cost kind
-- materialized: view
-- key: cost_date, platform, shop_id, kind
-- The canonical table other_costs as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT cost_date,
       platform,
       shop_id,
       kind,
       amount_fen,
       currency,
       note
FROM other_costs
