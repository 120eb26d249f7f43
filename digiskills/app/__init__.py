"""The streamlit glue: page scaffolding and the sidebar (ui), log-in and roles (auth), downloads, and the meeting
deck (deck). The only package that imports streamlit; it may import every other package but the CLI."""
