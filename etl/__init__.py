"""ETL for the Department's staffing returns: read, validate, store, measure."""
