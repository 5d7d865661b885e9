"""The page as the script Streamlit runs for every session (`optviz.app.launcher` and the
repository's app.py serve it)."""

from optviz.app import page

page.main()
