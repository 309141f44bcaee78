"""The review server: invited reviewers approve on the site, decisions land in git.

`postgen review serve` runs `app.make_app` over a `Receiver` (`receiver.py`):
it keeps a clone of the calendar repository (`gitrepo.py`), builds the site
from it with the same incremental build as `postgen build` (`rebuild.py`),
serves it to reviewers who opened an invitation link (`links.py`), and
records their decisions: first in a local journal (`journal.py`), then in
approvals.jsonl and comments.jsonl (`comments.py`), committed and pushed.
`mail.py` sends invitations and reminders. The library core never imports
this package.
"""
