"""Words, numbers and charts for people, with no streamlit: number and date formats (formatting), plotly figures
(charts), labels of codes (labels) and downloadable files (exports). Used by the app and the brief.
May import: text, reference, analytics, ingest (the contract's names), geo."""
