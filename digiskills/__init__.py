"""Cà Mau digital-skills dashboard: ingest of the province's exports, the warehouse, models and projections."""
