"""The app `optviz serve` has Streamlit serve: the page (`script.py`) with the live changes' route
beside Streamlit's own (`optviz.app.live_endpoint`). `streamlit run` serves the `st.App` it finds in
the file it is given; the repository's app.py makes the same app."""

import streamlit as st

from optviz.app import serve

app = st.App(**serve.app_options())
