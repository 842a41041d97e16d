-- model: stg_ad_spend
-- grain: one row per day, platform, shop, ad channel and campaign
-- materialized: view
-- key: spend_date, platform, shop_id, channel, campaign
-- The canonical table ad_spend as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT spend_date,
       platform,
       shop_id,
       channel,
       campaign,
       spend_fen,
       impressions,
       clicks,
       attributed_orders,
       attributed_paid_fen,
       currency
FROM ad_spend
