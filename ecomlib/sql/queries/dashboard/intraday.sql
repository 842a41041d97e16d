-- The sales of the days $days up to the clock time $cutoff (inclusive, Beijing), per day,
-- platform and shop, with the columns of mart_shop_daily that the big screen compares: an
-- incomplete day (data until $cutoff) is compared with the same hours of other days. The
-- rules are int_order_lines' (a line's sales day is its payment day; money and units count
-- on paid lines only; refunds of the same orders; the clock time is the line's sales_at, from
-- int_order_dates); paying buyers are counted per shop and day, as in mart_shop_daily.
SELECT sales_date, platform, shop_id,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost,
       CAST(SUM(units) AS BIGINT) AS units,
       COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS count_paid_orders,
       COUNT(DISTINCT CASE WHEN is_paid THEN buyer_key END) AS count_buyers
FROM int_order_lines
WHERE list_contains($days, sales_date)
  AND CAST(sales_at AS TIME) <= $cutoff
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
GROUP BY sales_date, platform, shop_id
ORDER BY sales_date, platform, shop_id
