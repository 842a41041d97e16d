-- model: mart_sku_day_pnl
-- grain: one row per sales_date, platform, shop_id and sku (sku '(unallocated)': a shop-day's costs no SKU carries)
-- materialized: table
-- scope: days
-- key: sales_date, platform, shop_id, sku
-- The P&L of a SKU's day in a shop: its sales measures as mart_sales_daily sums them (CNY
-- fen; the rules are int_order_lines': sales day, paid lines, refunds of the same orders,
-- cost of the units kept) and its share of the shop's booked costs of that day
-- (mart_costs_daily and mart_ads_daily; company-wide costs, platform ALL, belong to no
-- shop and are left out). Cost columns: platform_fee_fen, streamer_commission_fen,
-- logistics_fen, packaging_fen, ad_spend_fen and other_costs_fen (every other kind).
-- Rule (cost allocation), written here and nowhere else:
-- * a shop-day's cost of each column is spread over the shop-day's SKUs by a weight:
--   platform fees and streamer commission by net sales (paid - refunds), logistics and
--   packaging by units, ad spend and other costs by paid amount; a negative weight is 0;
-- * share = FLOOR(cost x w / W), W = the weights of the shop-day summed; the rounding
--   remainder goes to the SKU with the largest weight (of equals, the first by SKU), so the
--   shares add up to the cost to the fen;
-- * what cannot be spread (a day with costs and no weight: no sales, or none of that
--   measure) stays on the shop-day's row with sku = category = '(unallocated)'.
-- Summed over SKUs a shop-day's row holds exactly its sales and its booked costs.
-- Scope days: every row is the rule applied to one shop-day's sales and costs, so a load of
-- orders redoes the shop-days of build_scope_days (on a full build every shop-day with
-- sales or costs: build_scope_full has its one row); a load of costs or ads changes days no
-- order touched, so the table is then rebuilt whole (ecomlib.modelling).
WITH scope_days AS (
    SELECT platform, shop_id, sales_date FROM build_scope_days
    UNION
    SELECT c.platform, c.shop_id, c.cost_date FROM mart_costs_daily c, build_scope_full f
    UNION
    SELECT a.platform, a.shop_id, a.spend_date FROM mart_ads_daily a, build_scope_full f
),
sales AS (
    SELECT s.sales_date, s.platform, s.shop_id, s.sku, s.category,
           s.gmv_fen, s.paid_fen, s.refund_fen, s.cogs_fen, s.units, s.units_returned,
           s.units_without_cost
    FROM mart_sales_daily s
    WHERE EXISTS (SELECT 1 FROM scope_days d
                  WHERE d.platform = s.platform AND d.shop_id = s.shop_id
                    AND d.sales_date = s.sales_date)
),
cost_rows AS (
    SELECT c.cost_date, c.platform, c.shop_id, c.kind, c.amount_fen
    FROM mart_costs_daily c
    WHERE EXISTS (SELECT 1 FROM scope_days d
                  WHERE d.platform = c.platform AND d.shop_id = c.shop_id
                    AND d.sales_date = c.cost_date)
    UNION ALL
    SELECT a.spend_date AS cost_date, a.platform, a.shop_id, 'ad_spend' AS kind,
           a.spend_fen AS amount_fen
    FROM mart_ads_daily a
    WHERE EXISTS (SELECT 1 FROM scope_days d
                  WHERE d.platform = a.platform AND d.shop_id = a.shop_id
                    AND d.sales_date = a.spend_date)
),
shop_day_costs AS (
    -- one row per shop-day with costs: the amount of each cost column
    SELECT cost_date AS sales_date, platform, shop_id,
           CAST(SUM(CASE WHEN kind = 'platform_fee' THEN amount_fen ELSE 0 END) AS BIGINT) AS c_fee,
           CAST(SUM(CASE WHEN kind = 'streamer_commission' THEN amount_fen ELSE 0 END) AS BIGINT)
               AS c_streamer,
           CAST(SUM(CASE WHEN kind = 'logistics' THEN amount_fen ELSE 0 END) AS BIGINT) AS c_logistics,
           CAST(SUM(CASE WHEN kind = 'packaging' THEN amount_fen ELSE 0 END) AS BIGINT) AS c_packaging,
           CAST(SUM(CASE WHEN kind = 'ad_spend' THEN amount_fen ELSE 0 END) AS BIGINT) AS c_ads,
           CAST(SUM(CASE WHEN kind IN ('platform_fee', 'streamer_commission', 'logistics',
                                       'packaging', 'ad_spend') THEN 0
                         ELSE amount_fen END) AS BIGINT) AS c_other
    FROM cost_rows
    WHERE platform <> 'ALL'
    GROUP BY cost_date, platform, shop_id
),
weighted AS (
    -- the SKU rows of the shop-days that have costs, with their weights
    SELECT s.sales_date, s.platform, s.shop_id, s.sku,
           CAST(GREATEST(s.paid_fen - s.refund_fen, 0) AS DOUBLE) AS w_net,
           CAST(GREATEST(s.units, 0) AS DOUBLE) AS w_units,
           CAST(GREATEST(s.paid_fen, 0) AS DOUBLE) AS w_paid,
           c.c_fee, c.c_streamer, c.c_logistics, c.c_packaging, c.c_ads, c.c_other
    FROM sales s
    JOIN shop_day_costs c
      ON c.sales_date = s.sales_date AND c.platform = s.platform AND c.shop_id = s.shop_id
    WHERE s.sku IS NOT NULL
),
day_weights AS (
    -- per shop-day: the weights summed, and the largest weight of each measure
    SELECT sales_date, platform, shop_id,
           SUM(w_net) AS t_net, SUM(w_units) AS t_units, SUM(w_paid) AS t_paid,
           MAX(w_net) AS max_net, MAX(w_units) AS max_units, MAX(w_paid) AS max_paid
    FROM weighted
    GROUP BY sales_date, platform, shop_id
),
floor_shares AS (
    SELECT w.sales_date, w.platform, w.shop_id, w.sku, w.w_net, w.w_units, w.w_paid,
           d.t_net, d.t_units, d.t_paid, d.max_net, d.max_units, d.max_paid,
           w.c_fee, w.c_streamer, w.c_logistics, w.c_packaging, w.c_ads, w.c_other,
           CASE WHEN d.t_net > 0 THEN CAST(FLOOR(w.c_fee * (w.w_net / d.t_net)) AS BIGINT)
                ELSE 0 END AS a_fee,
           CASE WHEN d.t_net > 0 THEN CAST(FLOOR(w.c_streamer * (w.w_net / d.t_net)) AS BIGINT)
                ELSE 0 END AS a_streamer,
           CASE WHEN d.t_units > 0
                THEN CAST(FLOOR(w.c_logistics * (w.w_units / d.t_units)) AS BIGINT)
                ELSE 0 END AS a_logistics,
           CASE WHEN d.t_units > 0
                THEN CAST(FLOOR(w.c_packaging * (w.w_units / d.t_units)) AS BIGINT)
                ELSE 0 END AS a_packaging,
           CASE WHEN d.t_paid > 0 THEN CAST(FLOOR(w.c_ads * (w.w_paid / d.t_paid)) AS BIGINT)
                ELSE 0 END AS a_ads,
           CASE WHEN d.t_paid > 0 THEN CAST(FLOOR(w.c_other * (w.w_paid / d.t_paid)) AS BIGINT)
                ELSE 0 END AS a_other
    FROM weighted w
    JOIN day_weights d
      ON d.sales_date = w.sales_date AND d.platform = w.platform AND d.shop_id = w.shop_id
),
day_floors AS (
    -- per shop-day: the FLOOR shares summed, and the SKU that takes the remainder (the
    -- largest weight; of equals, the first by SKU)
    SELECT sales_date, platform, shop_id,
           SUM(a_fee) AS s_fee, SUM(a_streamer) AS s_streamer,
           SUM(a_logistics) AS s_logistics, SUM(a_packaging) AS s_packaging,
           SUM(a_ads) AS s_ads, SUM(a_other) AS s_other,
           MIN(CASE WHEN w_net = max_net THEN sku END) AS top_net,
           MIN(CASE WHEN w_units = max_units THEN sku END) AS top_units,
           MIN(CASE WHEN w_paid = max_paid THEN sku END) AS top_paid
    FROM floor_shares
    GROUP BY sales_date, platform, shop_id
),
sku_shares AS (
    -- the rounding remainder of each shop-day and column goes to its top SKU
    SELECT f.sales_date, f.platform, f.shop_id, f.sku,
           f.a_fee + CASE WHEN f.sku = d.top_net AND f.t_net > 0
               THEN f.c_fee - d.s_fee ELSE 0 END AS platform_fee_fen,
           f.a_streamer + CASE WHEN f.sku = d.top_net AND f.t_net > 0
               THEN f.c_streamer - d.s_streamer ELSE 0 END AS streamer_commission_fen,
           f.a_logistics + CASE WHEN f.sku = d.top_units AND f.t_units > 0
               THEN f.c_logistics - d.s_logistics ELSE 0 END AS logistics_fen,
           f.a_packaging + CASE WHEN f.sku = d.top_units AND f.t_units > 0
               THEN f.c_packaging - d.s_packaging ELSE 0 END AS packaging_fen,
           f.a_ads + CASE WHEN f.sku = d.top_paid AND f.t_paid > 0
               THEN f.c_ads - d.s_ads ELSE 0 END AS ad_spend_fen,
           f.a_other + CASE WHEN f.sku = d.top_paid AND f.t_paid > 0
               THEN f.c_other - d.s_other ELSE 0 END AS other_costs_fen
    FROM floor_shares f
    JOIN day_floors d
      ON d.sales_date = f.sales_date AND d.platform = f.platform AND d.shop_id = f.shop_id
),
unallocated AS (
    -- a column's cost stays on the shop-day when no SKU of it weighs anything (no sales
    -- that day, or none of that measure); otherwise the shares above add up to it
    SELECT c.sales_date, c.platform, c.shop_id,
           CASE WHEN COALESCE(d.t_net, 0) > 0 THEN 0 ELSE c.c_fee END AS platform_fee_fen,
           CASE WHEN COALESCE(d.t_net, 0) > 0 THEN 0 ELSE c.c_streamer END
               AS streamer_commission_fen,
           CASE WHEN COALESCE(d.t_units, 0) > 0 THEN 0 ELSE c.c_logistics END AS logistics_fen,
           CASE WHEN COALESCE(d.t_units, 0) > 0 THEN 0 ELSE c.c_packaging END AS packaging_fen,
           CASE WHEN COALESCE(d.t_paid, 0) > 0 THEN 0 ELSE c.c_ads END AS ad_spend_fen,
           CASE WHEN COALESCE(d.t_paid, 0) > 0 THEN 0 ELSE c.c_other END AS other_costs_fen
    FROM shop_day_costs c
    LEFT JOIN day_weights d
           ON d.sales_date = c.sales_date AND d.platform = c.platform AND d.shop_id = c.shop_id
)
SELECT s.sales_date, s.platform, s.shop_id, s.sku, s.category,
       s.gmv_fen, s.paid_fen, s.refund_fen, s.cogs_fen, s.units, s.units_returned,
       s.units_without_cost,
       CAST(COALESCE(a.platform_fee_fen, 0) AS BIGINT) AS platform_fee_fen,
       CAST(COALESCE(a.streamer_commission_fen, 0) AS BIGINT) AS streamer_commission_fen,
       CAST(COALESCE(a.logistics_fen, 0) AS BIGINT) AS logistics_fen,
       CAST(COALESCE(a.packaging_fen, 0) AS BIGINT) AS packaging_fen,
       CAST(COALESCE(a.ad_spend_fen, 0) AS BIGINT) AS ad_spend_fen,
       CAST(COALESCE(a.other_costs_fen, 0) AS BIGINT) AS other_costs_fen
FROM sales s
LEFT JOIN sku_shares a
       ON a.sales_date = s.sales_date AND a.platform = s.platform AND a.shop_id = s.shop_id
      AND a.sku = s.sku
UNION ALL
SELECT sales_date, platform, shop_id, '(unallocated)' AS sku, '(unallocated)' AS category,
       0, 0, 0, 0, 0, 0, 0,
       CAST(platform_fee_fen AS BIGINT), CAST(streamer_commission_fen AS BIGINT),
       CAST(logistics_fen AS BIGINT), CAST(packaging_fen AS BIGINT),
       CAST(ad_spend_fen AS BIGINT), CAST(other_costs_fen AS BIGINT)
FROM unallocated
WHERE platform_fee_fen <> 0 OR streamer_commission_fen <> 0 OR logistics_fen <> 0
   OR packaging_fen <> 0 OR ad_spend_fen <> 0 OR other_costs_fen <> 0
