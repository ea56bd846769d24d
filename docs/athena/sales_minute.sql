-- gold.sales_minute: one row per minute (UTC) in which live orders were placed.
-- Columns (read from the Delta log):
--   minute          the minute (UTC) the order was placed in: order_ts truncated
--   date            its date (UTC), by which the table is refreshed
--   orders          distinct orders placed in the minute
--   units           sum of line quantities
--   revenue_usd     sum of line revenue in USD, rounded to cents (decimal(18,2)); NULL only if every line of the minute was unpriceable
--   unpriced_lines  lines whose currency has no rate at all (0 in a healthy load)
CREATE EXTERNAL TABLE `retail_lakehouse`.`sales_minute`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/sales_minute/'
TBLPROPERTIES ('table_type' = 'DELTA');
