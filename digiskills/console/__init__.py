"""The analysts' read-only SQL console: the sandboxed connection (sandbox), saved queries (saved) and the schema
it shows (schema). May import: text, warehouse, ingest, display."""
