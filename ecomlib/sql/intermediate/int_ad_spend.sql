-- model: int_ad_spend
-- grain: one row per spend_date, platform, shop, ad channel and campaign
-- materialized: view
-- key: spend_date, platform, shop_id, channel, campaign
-- Ad spend and the paid amount the platform attributes to it, in CNY fen (int_fx_daily's
-- rate on the spend day).
SELECT a.spend_date, a.platform, a.shop_id, a.channel, a.campaign,
       CAST(ROUND(a.spend_fen * f.cny_per_unit) AS BIGINT) AS spend_fen,
       a.impressions, a.clicks, a.attributed_orders,
       CAST(ROUND(a.attributed_paid_fen * f.cny_per_unit) AS BIGINT) AS attributed_paid_fen
FROM stg_ad_spend a
LEFT JOIN int_fx_daily f ON f.currency = a.currency AND f.day = a.spend_date
