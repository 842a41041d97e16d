-- model: int_fx_ranges
-- grain: one row per currency and validity range
-- materialized: view
-- key: currency, valid_from
-- Rule (FX): a rate holds from its rate_date until the next rate of the same currency.
SELECT currency,
       rate_date AS valid_from,
       COALESCE(LEAD(rate_date) OVER (PARTITION BY currency ORDER BY rate_date),
                DATE '9999-12-31') AS valid_to,
       cny_per_unit
FROM stg_fx_rates
