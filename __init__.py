"""Retail lakehouse: landing files to bronze, silver, quarantine and gold Delta tables."""
