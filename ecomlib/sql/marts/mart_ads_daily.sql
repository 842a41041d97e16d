-- model: mart_ads_daily
-- grain: one row per spend_date, platform, shop_id, channel and campaign
-- materialized: table
-- scope: all
-- key: spend_date, platform, shop_id, channel, campaign
-- Ad performance per day: spend and attributed paid amount in CNY fen (int_ad_spend),
-- impressions, clicks and attributed orders.
SELECT spend_date, platform, shop_id, channel, campaign,
       spend_fen, impressions, clicks, attributed_orders, attributed_paid_fen
FROM int_ad_spend
