-- model: int_line_skus
-- grain: one row per platform, shop, order and line
-- materialized: view
-- key: platform, shop_id, order_id, line_id
-- Every order line with its canonical SKU, the one place this rule is written (read by
-- int_order_lines for the reports and by the quality rules for every loaded line, orphan
-- lines included). Platform exports carry their own item ids and the shop's merchant codes
-- (商家编码), which need not be the canonical SKU. Resolution order: sku_map on the
-- platform item id, then sku_map on the exported code for that platform, then sku_map rows
-- valid on every platform (platform = 'ALL'), else the exported code as is (listed as
-- unmapped by quality when it is not in products). ``sku``: the canonical SKU;
-- ``exported_sku``: the code as exported.
SELECT l.platform, l.shop_id, l.order_id, l.line_id,
       COALESCE(by_id.sku, by_code.sku, any_platform.sku, l.sku) AS sku,
       l.sku AS exported_sku,
       l.platform_sku_id, l.quantity, l.list_price_fen, l.shop_discount_fen,
       l.platform_discount_fen, l.paid_fen
FROM stg_order_lines l
LEFT JOIN stg_sku_map by_id
       ON by_id.platform = l.platform AND by_id.platform_sku_id = l.platform_sku_id
LEFT JOIN stg_sku_map by_code
       ON by_code.platform = l.platform AND by_code.platform_sku_id = l.sku
LEFT JOIN stg_sku_map any_platform
       ON any_platform.platform = 'ALL' AND any_platform.platform_sku_id = l.sku
