-- gold.search_terms_daily: one row per search date (UTC) x normalised query (query_normalised from silver.search: lower case, trimmed, inner whitespace collapsed), so "Red Shoes " and "red shoes" count together.
-- Columns (read from the Delta log):
--   date                  search date (UTC)
--   query                 the normalised query
--   searches              searches
--   zero_result_searches  searches with results_count = 0
--   clicks                searches followed by a click on a result (clicked_product_id not NULL)
CREATE EXTERNAL TABLE `retail_lakehouse`.`search_terms_daily`
LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/search_terms_daily/'
TBLPROPERTIES ('table_type' = 'DELTA');
