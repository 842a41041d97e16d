-- model: mart_member_orders
-- grain: one row per paid order of a member (platform, shop_id, order_id)
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id
-- cluster: member_key, sales_date
-- What the member analyses read (summary, RFM, CLV, cohorts, repurchase, platforms,
-- regions): each paid order of a known member with its day and payment time, money (CNY fen:
-- the lines' paid and refunds as int_order_lines gives them), units and delivery region.
WITH lines_in_scope AS (
    SELECT l.*
    FROM int_order_lines l
    WHERE l.is_paid AND l.member_key IS NOT NULL
      AND EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = l.platform AND s.shop_id = l.shop_id
                    AND s.order_id = l.order_id)
),
per_order AS (
    SELECT platform, shop_id, order_id,
           MAX(member_key) AS member_key,
           MAX(sales_date) AS sales_date,
           MAX(paid_at) AS paid_at,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
           CAST(SUM(units) AS BIGINT) AS units,
           COUNT(*) AS count_lines
    FROM lines_in_scope
    GROUP BY platform, shop_id, order_id
)
SELECT p.member_key, p.platform, p.shop_id, p.order_id, p.sales_date, p.paid_at,
       p.paid_fen, p.refund_fen, p.units, p.count_lines,
       o.province, o.city
FROM per_order p
JOIN int_orders o
  ON o.platform = p.platform AND o.shop_id = p.shop_id AND o.order_id = p.order_id
