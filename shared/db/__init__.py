"""Database models, engine construction and migrations (SQLite in embedded mode, PostgreSQL in production)."""
