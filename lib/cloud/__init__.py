"""How the lakehouse meets AWS: EMR job definitions (S3 settings, Glue, Athena and Tableau come here too)."""
