-- gold.customer_features: one row per customer (silver.customers) signed up by as_of_date, as of one date.
-- Columns (read from the Delta log):
--   customer_key  the customer's pseudonym
--   as_of_date    the date the features describe (same on every row)
--   recency_days  days from the last revenue order's order_date to as_of_date; NULL when the customer has no revenue order
--   frequency     distinct revenue orders (live orders with at least one line), ever
--   monetary_usd  their revenue in USD, rounded to cents (decimal(18,2)); 0 when none
--   sessions_30d  distinct sessions with an event carrying the customer's id in the 30 days ending on as_of_date (as_of_date - 29 to as_of_date)
--   avg_rating    mean rating of the customer's reviews up to as_of_date; NULL if none
--   tenure_days   days from the signup date (signup_ts, UTC) to as_of_date
--   country       the customer's current country
CREATE EXTERNAL TABLE `retail_lakehouse`.`customer_features`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/customer_features/'
TBLPROPERTIES ('table_type' = 'DELTA');
