"""How a race is shown, for every host: the colours (`style`), the scales, bands, meshes and titles
every view shares (`figures`), the interactive player (`player`) and the stability map's data
(`map_figure`, drawn by the canvas component in `map_static`). Nothing here knows Streamlit but the
components' small wrappers."""
