-- model: stg_shops
-- grain: one row per platform and shop
-- materialized: view
-- key: platform, shop_id
-- The canonical table shops as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT platform,
       shop_id,
       shop_name,
       currency,
       opened_on
FROM shops
