-- One row for the window $start_date .. $end_date: the members with a paid order in it
-- (count_members) and those with two or more (count_repeat_members), from
-- mart_member_orders; 复购率 = repeat members / members (catalogue: repurchase_rate).
WITH member_orders AS (
    SELECT member_key, COUNT(*) AS count_orders
    FROM mart_member_orders
    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
    GROUP BY member_key
)
SELECT CAST($start_date AS DATE) AS window_start,
       CAST($end_date AS DATE) AS window_end,
       CAST(COUNT(*) AS BIGINT) AS count_members,
       CAST(COALESCE(SUM(CASE WHEN count_orders >= 2 THEN 1 ELSE 0 END), 0) AS BIGINT)
           AS count_repeat_members
FROM member_orders
