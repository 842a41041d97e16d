-- model: mart_streamer_daily
-- grain: one row per sales_date, platform, shop_id, traffic_source and streamer
-- materialized: table
-- scope: days
-- key: sales_date, platform, shop_id, traffic_source, streamer
-- Paid sales by the order's traffic source and streamer (live-stream orders carry one), in
-- CNY fen; buyers counted per day (buyer-days when summed over days).
WITH lines_in_scope AS (
    SELECT l.*
    FROM int_order_lines l
    WHERE l.is_paid
      AND EXISTS (SELECT 1 FROM build_scope_days s
                  WHERE s.platform = l.platform AND s.shop_id = l.shop_id
                    AND s.sales_date = l.sales_date)
)
SELECT sales_date, platform, shop_id,
       COALESCE(traffic_source, '') AS traffic_source,
       COALESCE(streamer, '') AS streamer,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units,
       COUNT(DISTINCT order_id) AS count_paid_orders,
       COUNT(DISTINCT buyer_key) AS count_buyers
FROM lines_in_scope
GROUP BY sales_date, platform, shop_id, COALESCE(traffic_source, ''), COALESCE(streamer, '')
