"""postgen: a social media content calendar that lives in git.

The library is one pipeline, load -> validate -> render, used by every
command, by the MkDocs plugin and by the publisher (see `postgen.pipeline`).
"""

__version__ = "0.1.0.dev0"
