"""A page with only the stability map of the default race, for AppTest."""

import streamlit as st

from optviz.app import map_tab
from optviz.settings import AppSettings

st.session_state.setdefault("picks", [])
map_tab.stability_map(AppSettings(), key="map", on_pick=st.session_state["picks"].append)
