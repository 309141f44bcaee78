"""postgen: a social media content calendar that lives in git.

The library is one pipeline, load -> validate -> render, used by every
command, by the MkDocs plugin and by the publisher (see `postgen.pipeline`).
"""

__version__ = "0.1.0.dev0"
#: This project's git repository: new calendars install postgen from it, at the tag of
#: their version, until a release is on the package index (`postgen init --source`).
SOURCE = "git+https://github.com/postgen/postgen"
