-- The last payment time (Beijing) of the sales day $end_date in the selection: how far that
-- day's data reaches. NULL when the day has no paid line with a payment time. The marts are
-- daily, so this and dashboard/intraday are the two app queries that read int_order_lines
-- (the model layer's order lines, where the sales day and paid rules are written).
SELECT MAX(paid_at) AS last_paid_at
FROM int_order_lines
WHERE sales_date = $end_date AND is_paid
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
