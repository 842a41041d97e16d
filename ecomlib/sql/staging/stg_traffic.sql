-- model: stg_traffic
-- grain: one row per day, platform, shop and traffic source
-- materialized: view
-- key: traffic_date, platform, shop_id, source
-- The canonical table traffic as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT traffic_date,
       platform,
       shop_id,
       source,
       visitors,
       page_views,
       add_to_cart,
       buyers
FROM traffic
