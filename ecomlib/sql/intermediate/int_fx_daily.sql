-- model: int_fx_daily
-- grain: one row per calendar day and currency
-- materialized: table
-- scope: all
-- key: day, currency
-- Rule (FX), written once: the CNY rate of a currency on a day is the rate in force that
-- day (int_fx_ranges: from its rate_date until the next one); CNY is 1. A currency without
-- a rate on or before a day has no row for it: money in it converts to NULL, and the
-- quality rule fx_rates.missing_rate lists such rows. Every model converts native fen to
-- CNY fen as ROUND(fen x cny_per_unit) with this table.
WITH days AS (
    SELECT day FROM dim_calendar
),
foreign_rates AS (
    SELECT d.day, r.currency, r.cny_per_unit
    FROM days d
    JOIN int_fx_ranges r ON d.day >= r.valid_from AND d.day < r.valid_to
    WHERE r.currency <> 'CNY'
)
SELECT day, currency, cny_per_unit FROM foreign_rates
UNION ALL
SELECT day, 'CNY' AS currency, 1.0 AS cny_per_unit FROM days
