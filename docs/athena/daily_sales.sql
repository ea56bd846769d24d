-- gold.daily_sales: one row per order date (UTC) x shipping_country x product category.
-- Columns (read from the Delta log):
--   date            order date (UTC) of the order
--   country         the order's shipping_country; unknown when the order has none
--   category        the product's current category (silver.products is current state): a product whose category changed has all its history reported under the new one; unknown for a product missing from the catalog
--   orders          distinct orders with at least one line in that category
--   units           sum of line quantities
--   revenue_usd     sum of line revenue in USD, rounded to cents (decimal(18,2)); NULL only if every line of the group was unpriceable
--   unpriced_lines  extra: lines whose currency has no rate at all, so they are missing from revenue_usd (0 in a healthy load)
CREATE EXTERNAL TABLE `retail_lakehouse`.`daily_sales`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/daily_sales/'
TBLPROPERTIES ('table_type' = 'DELTA');
