-- gold.cohort_retention_weekly: one row per cohort week x weeks_since_first in which at least one customer of the cohort placed a revenue order. Weeks start on Monday (UTC).
-- Columns (read from the Delta log):
--   cohort_week        Monday of the week of the customers' first revenue order
--   weeks_since_first  whole weeks from the cohort week to the activity week (0 = cohort week)
--   week               Monday of the activity week
--   cohort_customers   customers in the cohort
--   active_customers   of them, customers with a revenue order in week
--   retention_rate     active_customers / cohort_customers (double; 1.0 at week 0)
CREATE EXTERNAL TABLE `retail_lakehouse`.`cohort_retention_weekly`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/cohort_retention_weekly/'
TBLPROPERTIES ('table_type' = 'DELTA');
