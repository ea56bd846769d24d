-- gold.funnel_daily: one row per event date (UTC) x device.
-- Columns (read from the Delta log):
--   date                   event date (UTC)
--   device                 desktop, mobile, tablet, other or unknown
--   sessions               distinct sessions with any event that date
--   product_view_sessions  ... with a product_view event that date
--   add_to_cart_sessions   ... with an add_to_cart event that date
--   checkout_sessions      ... with a checkout_start event that date
--   purchase_sessions      ... with a purchase event that date
--   conversion_rate        purchase_sessions / sessions (double)
CREATE EXTERNAL TABLE `retail_lakehouse`.`funnel_daily`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/funnel_daily/'
TBLPROPERTIES ('table_type' = 'DELTA');
