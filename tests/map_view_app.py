"""A page with only the stability map of the default race, for AppTest."""

import streamlit as st

from optviz import map_view
from optviz.settings_url import AppSettings

st.session_state.setdefault("picks", [])
map_view.stability_map(AppSettings(), key="map", on_pick=st.session_state["picks"].append)
