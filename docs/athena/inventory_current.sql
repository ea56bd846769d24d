-- gold.inventory_current: one row per product_id x warehouse_id that has any stock movement.
-- Columns (read from the Delta log):
--   product_id     the product
--   warehouse_id   the warehouse
--   qty_on_hand    qty_on_hand of the latest movement by event_ts; movements at the same instant are ordered by event_id and the greatest one wins
--   last_event_ts  event_ts of that movement
--   last_event_id  extra: event_id of that movement, to trace the figure back
--   low_stock      qty_on_hand < LOW_STOCK_THRESHOLD (10); NULL when the quantity is unknown
CREATE EXTERNAL TABLE `retail_lakehouse`.`inventory_current`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/inventory_current/'
TBLPROPERTIES ('table_type' = 'DELTA');
