"""tablescan: scanned reports with ruled tables -> checked table data."""

__version__ = "0.1.0"
