-- The snapshot days a stock reconciliation of $start_date .. $end_date compares: the last
-- snapshot day before the period (opening; none: the first in it) and the last in it
-- (closing), from mart_stock_daily. NULL when there is none.
SELECT COALESCE((SELECT MAX(snapshot_date) FROM mart_stock_daily
                 WHERE snapshot_date < $start_date),
                (SELECT MIN(snapshot_date) FROM mart_stock_daily
                 WHERE snapshot_date BETWEEN $start_date AND $end_date)) AS opening_date,
       (SELECT MAX(snapshot_date) FROM mart_stock_daily
        WHERE snapshot_date BETWEEN $start_date AND $end_date) AS closing_date
