-- One row per live-stream session of the selection: a streamer's day in a shop
-- (mart_streamer_daily, orders that name a streamer, $start_date..$end_date), summed over
-- traffic sources: paid, refunds and cost of goods in CNY fen, units, paid orders and paying
-- buyers (counted per day: summed over sessions they are buyer-days).
SELECT sales_date, platform, shop_id, streamer,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units,
       CAST(SUM(count_paid_orders) AS BIGINT) AS count_paid_orders,
       CAST(SUM(count_buyers) AS BIGINT) AS count_buyers
FROM mart_streamer_daily
WHERE streamer <> ''
  AND sales_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY sales_date, platform, shop_id, streamer
ORDER BY sales_date, platform, shop_id, streamer
