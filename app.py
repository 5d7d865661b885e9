"""Optimizer race: gradient-descent methods side by side on 2-D loss surfaces.

Run with `streamlit run app.py`, or `python -m optviz serve` (the same app, loaded before it listens).
Streamlit serves the `st.App` it finds here: the page (`optviz.app.page`, run by
`optviz/app/script.py`) with the route that live changes take (`optviz.app.live_endpoint`).
"""

import streamlit as st

from optviz.app import serve

app = st.App(**serve.app_options())
