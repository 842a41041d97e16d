-- The last paid order, up to $end_date in the selection, of each member in $member_keys
-- (mart_member_orders): where a seller finds the buyer in the platform's back office
-- (platform, shop, order id and its day) without any personal data. The last order is the
-- latest payment (its sales day when the payment time is missing); of two paid at the same
-- moment, the larger order id. count_shops: the shops the member bought at.
-- One aggregation per member: arg_max of the order by (payment time, day, order id), the
-- same order as sorting by them descending and keeping the first, without a window sort.
WITH selected AS (
    SELECT member_key, platform, shop_id, order_id, sales_date,
           COALESCE(paid_at, CAST(sales_date AS TIMESTAMP)) AS paid_at
    FROM mart_member_orders
    WHERE sales_date <= $end_date
      AND member_key IN (SELECT UNNEST($member_keys))
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))
),
last AS (
    SELECT member_key,
           arg_max({'platform': platform, 'shop_id': shop_id, 'order_id': order_id,
                    'sales_date': sales_date},
                   {'paid_at': paid_at, 'sales_date': sales_date, 'order_id': order_id}) AS o,
           COUNT(DISTINCT platform || '|' || shop_id) AS count_shops
    FROM selected
    GROUP BY member_key
)
SELECT member_key, o.platform AS last_platform, o.shop_id AS last_shop_id,
       o.order_id AS last_order_id, o.sales_date AS last_order_date,
       CAST(count_shops AS BIGINT) AS count_shops
FROM last
ORDER BY member_key
