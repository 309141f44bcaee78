"""`python -m postgen`: the `postgen` command.

`python -m` puts the working directory first on the import path, where the
installed command does not. In a calendar repository that would let its own
`.py` files be imported by name (`markdown_extensions: [evil]` in mkdocs.yml):
the entry goes before anything else is imported.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from postgen.cli import main  # noqa: E402

main()
