-- model: mart_traffic_daily
-- grain: one row per traffic_date, platform, shop_id and source
-- materialized: table
-- scope: all
-- key: traffic_date, platform, shop_id, source
-- Visitors, page views, add-to-cart and the buyers the platform attributes, per source and
-- day as exported (visitors are unique per day and source: summed over days they are
-- visitor-days, the denominator of 转化率 and UV价值).
SELECT traffic_date, platform, shop_id, source,
       visitors, page_views, add_to_cart, buyers
FROM stg_traffic
