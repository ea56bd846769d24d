-- gold.server_health_minute: one row per minute (UTC, silver.server_logs.minute: the request time truncated to the minute) with at least one request.
-- Columns (read from the Delta log):
--   minute           the minute (UTC)
--   requests         requests logged in that minute
--   errors_5xx       requests answered with a status from 500 to 599
--   error_rate       errors_5xx / requests (double)
--   p95_response_ms  95th percentile of response_ms over the minute's requests that logged a response time (NULLs ignored; NULL if none did). Computed with F.percentile -- exact, linearly interpolated between the two nearest ranks (as numpy's default) -- not percentile_approx: a minute holds few enough rows for the exact value to be cheap, and it is reproducible and checkable by hand.
--   bytes_sent       total bytes sent (a logged - is 0); NULL only if no request's size could be read
CREATE EXTERNAL TABLE `retail_lakehouse`.`server_health_minute`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/server_health_minute/'
TBLPROPERTIES ('table_type' = 'DELTA');
