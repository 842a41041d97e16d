-- One row per calendar day (dim_calendar, every day from $start_date to $end_date, with its
-- month start) and platform that has order lines in the selection: the additive measures of
-- mart_shop_daily summed over the selected shops (CNY fen, units; 0 on days without sales).
WITH days AS (
    SELECT day AS sales_date, month_start
    FROM dim_calendar
    WHERE day BETWEEN $start_date AND $end_date
),
sales AS (
    SELECT sales_date, platform,
           CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
           CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
           CAST(SUM(units) AS BIGINT) AS units,
           CAST(SUM(units_returned) AS BIGINT) AS units_returned
    FROM mart_shop_daily
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY sales_date, platform
),
platforms AS (
    SELECT DISTINCT platform FROM sales
)
SELECT d.sales_date, d.month_start, p.platform,
       COALESCE(s.gmv_fen, 0) AS gmv_fen,
       COALESCE(s.paid_fen, 0) AS paid_fen,
       COALESCE(s.refund_fen, 0) AS refund_fen,
       COALESCE(s.cogs_fen, 0) AS cogs_fen,
       COALESCE(s.units, 0) AS units,
       COALESCE(s.units_returned, 0) AS units_returned
FROM days d
CROSS JOIN platforms p
LEFT JOIN sales s ON s.sales_date = d.sales_date AND s.platform = p.platform
ORDER BY d.sales_date, p.platform
