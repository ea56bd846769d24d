-- gold.basket_size_daily: one row per order date (UTC) x shipping_country.
-- Columns (read from the Delta log):
--   date                 order date (UTC)
--   country              shipping_country; unknown when the order has none
--   orders               revenue orders (live orders with at least one line)
--   units                units over those orders
--   revenue_usd          their revenue in USD, rounded to cents (decimal(18,2))
--   avg_units_per_order  mean units per order (double)
--   avg_lines_per_order  mean order lines per order (double)
--   avg_order_value_usd  mean order revenue in USD, rounded to cents (decimal(18,2)), over the orders that could be priced
CREATE EXTERNAL TABLE `retail_lakehouse`.`basket_size_daily`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/basket_size_daily/'
TBLPROPERTIES ('table_type' = 'DELTA');
