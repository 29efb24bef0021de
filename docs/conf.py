"""Sphinx configuration of truthsim's documentation (Markdown pages through MyST-Parser).

Build: python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import importlib.util

from truthsim import __version__

project = "truthsim"
author = "truthsim developers"
copyright = "truthsim developers"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "examples"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# the API reference: what each package exports, documented from its docstrings
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_default_options = {
    "members": True,
    "exclude-members": "model_config, model_fields, model_computed_fields",
}

html_theme = "furo" if importlib.util.find_spec("furo") else "alabaster"
html_title = f"truthsim {__version__}"
pygments_style = "sphinx"
