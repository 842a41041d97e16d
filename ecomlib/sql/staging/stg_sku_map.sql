-- model: stg_sku_map
-- grain: one row per platform and platform SKU id: which canonical SKU it is
-- materialized: view
-- key: platform, platform_sku_id
-- The canonical table sku_map as loaded (typed, Beijing time, money in native fen):
-- the one place later models read it from.
SELECT platform,
       platform_sku_id,
       sku,
       note
FROM sku_map
