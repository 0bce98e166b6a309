"""The shapes of tablescan's data: SQLAlchemy models (the record) and pydantic models (the export)."""
