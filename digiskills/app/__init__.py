"""The streamlit glue: the shared controls, the view in the URL and the warehouse connection (ui), log-in and the
guards on every action (access, over auth's roles and users file), the pages' small layout pieces (widgets),
downloads, the meeting deck (deck) and the first start (first_start). The only package that imports streamlit; it
may import every other package but the CLI."""
