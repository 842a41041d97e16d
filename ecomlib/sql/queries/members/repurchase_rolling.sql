-- One row per window of $window_days days (both ends inclusive) ending on the last day of
-- each month from $start_date to $end_date (the month ends of dim_calendar; the last window
-- ends on $end_date), every window present (an empty one with 0): the members with a paid
-- order in it and those with two or more, from mart_member_orders; 复购率 = repeat members /
-- members (catalogue: repurchase_rate).
WITH window_ends AS (
    SELECT MAX(day) AS window_end
    FROM dim_calendar
    WHERE day BETWEEN $start_date AND $end_date
    GROUP BY month_start
),
windows AS (
    SELECT CAST(window_end - ($window_days - 1) AS DATE) AS window_start, window_end
    FROM window_ends
),
member_orders AS (
    SELECT w.window_start, w.window_end, o.member_key, COUNT(*) AS count_orders
    FROM windows w
    JOIN mart_member_orders o
      ON o.sales_date BETWEEN w.window_start AND w.window_end
    WHERE (len($platforms) = 0 OR list_contains($platforms, o.platform))
      AND (len($shops) = 0 OR list_contains($shops, o.shop_id))
    GROUP BY w.window_start, w.window_end, o.member_key
),
per_window AS (
    SELECT window_end,
           COUNT(*) AS count_members,
           SUM(CASE WHEN count_orders >= 2 THEN 1 ELSE 0 END) AS count_repeat_members
    FROM member_orders
    GROUP BY window_end
)
SELECT w.window_start, w.window_end,
       CAST(COALESCE(p.count_members, 0) AS BIGINT) AS count_members,
       CAST(COALESCE(p.count_repeat_members, 0) AS BIGINT) AS count_repeat_members
FROM windows w
LEFT JOIN per_window p ON p.window_end = w.window_end
ORDER BY w.window_end
