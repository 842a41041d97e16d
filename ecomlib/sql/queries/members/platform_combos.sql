-- One row per combination of platforms members bought on from $start_date to $end_date
-- (the same member_key on each; e.g. 'jd+tmall'), from mart_member_orders: count_platforms,
-- the members, their paid orders and paid amount (CNY fen) on those platforms.
WITH member_platforms AS (
    SELECT member_key, platform, COUNT(*) AS count_orders, SUM(paid_fen) AS paid_fen
    FROM mart_member_orders
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY member_key, platform
),
per_member AS (
    SELECT member_key, string_agg(platform, '+' ORDER BY platform) AS platforms,
           COUNT(*) AS count_platforms, SUM(count_orders) AS count_orders,
           SUM(paid_fen) AS paid_fen
    FROM member_platforms
    GROUP BY member_key
)
SELECT platforms,
       CAST(MAX(count_platforms) AS BIGINT) AS count_platforms,
       CAST(COUNT(*) AS BIGINT) AS count_members,
       CAST(SUM(count_orders) AS BIGINT) AS count_orders,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen
FROM per_member
GROUP BY platforms
ORDER BY count_members DESC, platforms
