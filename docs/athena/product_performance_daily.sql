-- gold.product_performance_daily: one row per date (UTC) x product_id, for every product with any activity that date in any of the sources: views and carts (silver.clickstream, by event_date), sales (revenue_lines over silver.order_items/orders/fx_rates, by order_date) or reviews (silver.reviews, by review_date). The sources are combined as a full outer union, so a product with only reviews on a date still appears.
-- Columns (read from the Delta log):
--   date          the date of the activity (UTC)
--   product_id    the product
--   category      the product's current category from silver.products (a product whose category changed is reported under the new one on every date); NULL for a product missing from the catalog
--   views         product_view events (events, not sessions)
--   add_to_carts  add_to_cart events
--   units_sold    units on revenue lines (live orders), by order date
--   revenue_usd   revenue in USD rounded to cents (decimal(18,2)), same definition as daily_sales; 0 when the product sold nothing that date
--   reviews       reviews written that date
--   avg_rating    mean rating of those reviews (double, unrounded); NULL when there were none
CREATE EXTERNAL TABLE `retail_lakehouse`.`product_performance_daily`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/product_performance_daily/'
TBLPROPERTIES ('table_type' = 'DELTA');
