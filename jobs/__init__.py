"""Thin entry points that spark-submit, EMR steps and Airflow call."""
