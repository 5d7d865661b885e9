"""The page as a script for `streamlit run`: what `optviz serve` runs (the repository's app.py is the
same two lines)."""

from optviz.app import page

page.main()
