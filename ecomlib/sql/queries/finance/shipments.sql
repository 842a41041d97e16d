-- The orders of the selection shipped from $start_date to $end_date (mart_shipments: Beijing
-- shipping day), with the delivery province and the units in the parcel: what a carrier's
-- bill is checked against. In shipping order.
SELECT platform, shop_id, order_id, province, shipped_at, units
FROM mart_shipments
WHERE shipped_date BETWEEN $start_date AND $end_date
  AND (len($platforms) = 0 OR list_contains($platforms, platform))
  AND (len($shops) = 0 OR list_contains($shops, shop_id))
ORDER BY shipped_at, platform, order_id
