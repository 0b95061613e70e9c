# Sphinx configuration for the gwpaper site. `make docs` stages the sources next to a copy of this file
# (docs/build_site.py) and builds them into _site/ offline: every asset, MathJax included, is served locally.
project = "gwpaper"
author = "the gwpaper authors"
copyright = "2026 onwards, the gwpaper authors"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
root_doc = "index"

# notebooks are rendered as they are: experiment notebooks from their executed copies, library notebooks from source
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# autodoc + napoleon: signatures, and the numpy-style Parameters/Attributes sections that @documented builds from docments
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
default_role = "literal"            # `name` in a docstring is code, as in the notebooks' markdown

html_theme = "furo"
html_title = "gwpaper"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_copy_source = False            # the executed notebooks are large; the site links to the repository instead
html_show_sourcelink = False
mathjax_path = "mathjax/tex-svg.js"  # local (docs/build_site.py fetches it from the npm registry, checksummed), never a CDN
# ref.python: a class re-exported by a second module (e.g. gwpaper.gw.check_weights, defined in gwpaper._bounds) is one object
# with two documented names; a cross-reference to it then has two targets, both right
suppress_warnings = ["mystnb.unknown_mime_type", "ref.python"]
