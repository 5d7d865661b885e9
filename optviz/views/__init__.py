"""How a race is shown, for every host: the colours (`style`), the scales, bands, meshes and titles
every view shares (`figures`), the interactive player (`player`) and the stability map's figure
(`map_figure`). Nothing here knows Streamlit except the player's component wrapper."""
