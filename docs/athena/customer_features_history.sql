-- gold.customer_features_history: one row per customer and as-of date (customer_key, as_of_date). The as-of dates go back from the latest date in the data (gold.customer_features' own as_of_date) in steps of 7 days, down to the first order or event date.
-- Columns (read from the Delta log):
--   customer_key  the customer's pseudonym
--   as_of_date    the date the snapshot describes
--   recency_days  days from the last revenue order up to as_of_date to as_of_date; NULL when the customer had no revenue order by then
--   frequency     distinct revenue orders placed up to as_of_date
--   monetary_usd  their revenue in USD, rounded to cents (decimal(18,2)); 0 when none
--   sessions_30d  distinct sessions of the customer in the 30 days ending on as_of_date
--   avg_rating    mean rating of the customer's reviews up to as_of_date; NULL if none
--   tenure_days   days from the signup date (UTC) to as_of_date
--   country       the customer's country in the version valid at the end of as_of_date
CREATE EXTERNAL TABLE `retail_lakehouse`.`customer_features_history`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/customer_features_history/'
TBLPROPERTIES ('table_type' = 'DELTA');
