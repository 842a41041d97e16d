-- model: int_order_dates
-- grain: one row per platform, shop and order
-- materialized: view
-- key: platform, shop_id, order_id
-- Which moment and which day a sale belongs to (DECISIONLOG 2), the one place this rule is
-- written (read by int_orders for the reports, by the quality rule fx_rates.missing_rate
-- for the day an order's money is converted on, and through int_order_lines by the big
-- screen's same-hours comparison):
-- * sales_at: the payment time (Beijing); an order never paid is timed by its creation
--   (it counts in GMV only, when it was placed);
-- * sales_date: the Beijing calendar day of sales_at;
-- * is_paid: an order counts as sold when it has a payment time.
WITH timed AS (
    SELECT o.*, COALESCE(o.paid_at, o.created_at) AS sales_at
    FROM stg_orders o
)
SELECT timed.*,
       CAST(sales_at AS DATE) AS sales_date,
       paid_at IS NOT NULL AS is_paid
FROM timed
