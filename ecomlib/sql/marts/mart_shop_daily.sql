-- model: mart_shop_daily
-- grain: one row per sales_date, platform and shop_id
-- materialized: table
-- scope: days
-- key: sales_date, platform, shop_id
-- A shop's day: the sales measures of mart_sales_daily summed over SKUs, and the counts
-- that do not add up over SKUs: orders placed, paid orders, paying buyers. Paying buyers are
-- counted per day, so summed over days they are buyer-days, the denominator of 客单价 and
-- the numerator of 转化率 as 生意参谋 counts them (see the metric catalogue).
WITH days_in_scope AS (
    SELECT d.*
    FROM mart_sales_daily d
    WHERE EXISTS (SELECT 1 FROM build_scope_days s
                  WHERE s.platform = d.platform AND s.shop_id = d.shop_id
                    AND s.sales_date = d.sales_date)
),
sums AS (
    SELECT sales_date, platform, shop_id,
           CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
           CAST(SUM(units) AS BIGINT) AS units,
           CAST(SUM(list_fen) AS BIGINT) AS list_fen,
           CAST(SUM(shop_discount_fen) AS BIGINT) AS shop_discount_fen,
           CAST(SUM(platform_discount_fen) AS BIGINT) AS platform_discount_fen,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
           CAST(SUM(units_returned) AS BIGINT) AS units_returned,
           CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
           CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost
    FROM days_in_scope
    GROUP BY sales_date, platform, shop_id
),
lines_in_scope AS (
    SELECT l.*
    FROM int_order_lines l
    WHERE EXISTS (SELECT 1 FROM build_scope_days s
                  WHERE s.platform = l.platform AND s.shop_id = l.shop_id
                    AND s.sales_date = l.sales_date)
),
counts AS (
    SELECT sales_date, platform, shop_id,
           COUNT(DISTINCT order_id) AS count_orders,
           COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS count_paid_orders,
           COUNT(DISTINCT CASE WHEN is_paid THEN buyer_key END) AS count_buyers
    FROM lines_in_scope
    GROUP BY sales_date, platform, shop_id
)
SELECT s.sales_date, s.platform, s.shop_id,
       c.count_orders, c.count_paid_orders, c.count_buyers,
       s.gmv_fen, s.units, s.list_fen, s.shop_discount_fen, s.platform_discount_fen,
       s.paid_fen, s.refund_fen, s.units_returned, s.cogs_fen, s.units_without_cost
FROM sums s
JOIN counts c
  ON c.sales_date = s.sales_date AND c.platform = s.platform AND c.shop_id = s.shop_id
