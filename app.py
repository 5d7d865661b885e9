"""Optimizer race: gradient-descent methods side by side on 2-D loss surfaces.

Run with `streamlit run app.py`. The page is `optviz.app.page`; this file only starts it.
"""

from optviz.app import page

page.main()
