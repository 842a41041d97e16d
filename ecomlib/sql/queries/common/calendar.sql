-- The calendar days of the selection (dim_calendar), one row per day from $start_date to
-- $end_date (inclusive): week and month starts, holidays, the platforms' festivals
-- (festival, festival_phase: runup / peak / holiday) and the seller's campaigns; ISO year
-- and week (the forecast's week of year).
SELECT day, year, month, month_start, week_start, iso_year, iso_week, weekday, is_weekend,
       is_holiday, holiday,
       festival, festival_phase, campaign
FROM dim_calendar
WHERE day BETWEEN $start_date AND $end_date
ORDER BY day
