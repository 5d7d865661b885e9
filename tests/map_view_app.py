"""A page with only the stability map of the default race, for AppTest."""

import streamlit as st

from optviz.app import map_tab
from optviz.settings import RaceSettings

st.session_state.setdefault("picks", [])
map_tab.stability_map(RaceSettings(), key="map", on_pick=st.session_state["picks"].append)
