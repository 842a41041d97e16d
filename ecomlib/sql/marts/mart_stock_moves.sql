-- model: mart_stock_moves
-- grain: one row per warehouse_id, sku and move_date with a movement
-- materialized: view
-- key: warehouse_id, sku, move_date
-- How stock moves (DECISIONLOG 35, 85), written here and nowhere else; the finance report's
-- stock reconciliation and the quality rule inventory_snapshots.stock_continuity read it:
-- * in: quantity_received of purchase orders on their received_on day, at their warehouse
--   (none named: the SKU's home);
-- * out: the units of paid lines (int_order_lines: canonical SKU, paid orders only) on their
--   order's created_at day (the stock is taken when the order is placed);
-- * back: units_returned of the after-sales cases that count (int_done_refunds) on their refunded_at day, under the
--   line's canonical SKU (a case without a line: its own SKU; none: left out);
-- * sales and returns move the SKU's home warehouse: the first by name of the warehouses
--   that hold it (snapshots) or receive it (purchase orders) over the whole history ('?'
--   when no warehouse knows the SKU).
WITH stock_homes AS (
    SELECT sku, MIN(warehouse_id) AS warehouse_id
    FROM (SELECT sku, warehouse_id FROM stg_inventory_snapshots
          UNION ALL
          SELECT sku, warehouse_id FROM stg_purchase_orders WHERE warehouse_id IS NOT NULL) h
    GROUP BY sku
),
sold AS (
    SELECT sku, CAST(created_at AS DATE) AS move_date, CAST(SUM(units) AS BIGINT) AS units
    FROM int_order_lines
    WHERE is_paid
    GROUP BY sku, CAST(created_at AS DATE)
),
returned AS (
    SELECT COALESCE(l.sku, x.sku) AS sku, CAST(x.refunded_at AS DATE) AS move_date,
           CAST(SUM(x.units_returned) AS BIGINT) AS units
    FROM int_done_refunds x
    LEFT JOIN int_order_lines l
           ON l.platform = x.platform AND l.shop_id = x.shop_id
          AND l.order_id = x.order_id AND l.line_id = x.line_id
    WHERE x.refunded_at IS NOT NULL AND x.units_returned > 0
    GROUP BY COALESCE(l.sku, x.sku), CAST(x.refunded_at AS DATE)
),
received AS (
    SELECT COALESCE(p.warehouse_id, h.warehouse_id, '?') AS warehouse_id, p.sku,
           p.received_on AS move_date, p.quantity_received AS units
    FROM stg_purchase_orders p
    LEFT JOIN stock_homes h ON h.sku = p.sku
    WHERE p.received_on IS NOT NULL AND p.quantity_received > 0
),
movements AS (
    SELECT warehouse_id, sku, move_date, units AS inbound_units, 0 AS outbound_units,
           0 AS returned_units
    FROM received
    UNION ALL
    SELECT COALESCE(h.warehouse_id, '?'), s.sku, s.move_date, 0, s.units, 0
    FROM sold s
    LEFT JOIN stock_homes h ON h.sku = s.sku
    WHERE s.sku IS NOT NULL
    UNION ALL
    SELECT COALESCE(h.warehouse_id, '?'), r.sku, r.move_date, 0, 0, r.units
    FROM returned r
    LEFT JOIN stock_homes h ON h.sku = r.sku
    WHERE r.sku IS NOT NULL
)
SELECT warehouse_id, sku, move_date,
       CAST(SUM(inbound_units) AS BIGINT) AS inbound_units,
       CAST(SUM(outbound_units) AS BIGINT) AS outbound_units,
       CAST(SUM(returned_units) AS BIGINT) AS returned_units
FROM movements
GROUP BY warehouse_id, sku, move_date
