"""The HTTP API and web page (FastAPI): thin adapters over producer.service."""
