"""The Streamlit app: `app.py` at the top of the repository only runs `optviz.app.page`."""
