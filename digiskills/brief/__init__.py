"""The monthly brief: its facts from the report queries (content), its layout (documents), the PDF and PPTX
writers (pdf, pptx, static_map) and the two files made from the warehouse (files).
May import: text, reference, warehouse, analytics, geo, display."""
