-- model: stg_fx_rates
-- grain: one row per day and currency
-- materialized: view
-- key: rate_date, currency
-- The canonical table fx_rates as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT rate_date,
       currency,
       cny_per_unit
FROM fx_rates
