-- Company-wide costs (platform ALL: rent, salary ...) per day and kind from $start_date to
-- $end_date, CNY fen (mart_costs_daily, and mart_ads_daily as kind 'ad_spend'). They belong
-- to no shop: the report reads them only without a shop or platform filter.
WITH cost_rows AS (
    SELECT cost_date, platform, kind, amount_fen FROM mart_costs_daily
    UNION ALL
    SELECT spend_date, platform, 'ad_spend', spend_fen FROM mart_ads_daily
)
SELECT cost_date, kind, CAST(SUM(amount_fen) AS BIGINT) AS amount_fen
FROM cost_rows
WHERE cost_date BETWEEN $start_date AND $end_date
  AND platform = 'ALL'
GROUP BY cost_date, kind
ORDER BY cost_date, kind
