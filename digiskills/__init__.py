"""Cà Mau digital-skills dashboard: ingest of the province's exports, the warehouse, models and projections.

The sub-packages follow the flow export → warehouse → models → reports → pages (docs/architecture.md):
reference (units, crosswalk, denominators, goals), privacy (pseudonyms, masking), warehouse (the DuckDB file,
its versions and models, the lake and Spark), ingest (reading and checking the exports), analytics (projections,
funnel, small-cell protection), geo (boundaries), display (text, numbers and charts, no streamlit), brief, console,
demo, and app (the streamlit glue). tests/test_architecture.py holds which may import which."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: queries/, geo/, goals.yaml, .streamlit/
