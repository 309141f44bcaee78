"""`postgen review`: the review server, invitation links and reminders."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import click

from postgen.cli import CONTEXT, Group, _calendar, _parse_now
from postgen.errors import PostgenError


@click.group(cls=Group, context_settings=CONTEXT)
def review() -> None:
    """Let invited reviewers approve on the site, with no account; record it in git.

    `postgen review serve` serves the approval site and records each decision
    in approvals.jsonl, committed and pushed; `invite` makes a reviewer's link;
    `notify` tells each reviewer what waits. Settings: `review:` in mkdocs.yml
    (docs/review.md).
    """


@review.command(context_settings=CONTEXT)
@click.option("--repo", "remote", metavar="URL", envvar="POSTGEN_REVIEW_REPO",
              help="The calendar repository to clone (default: this calendar's 'origin'). "
                   "Env: POSTGEN_REVIEW_REPO.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path(".postgen-review"), show_default=True, envvar="POSTGEN_REVIEW_STATE",
              help="Where the server keeps its clone, the built site and its journal of "
                   "decisions not yet pushed. Keep it across restarts. Env: "
                   "POSTGEN_REVIEW_STATE.")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="POSTGEN_REVIEW_HOST",
              help="Address to listen on (0.0.0.0 in a container). Env: POSTGEN_REVIEW_HOST.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              envvar="POSTGEN_REVIEW_PORT", help="Port to listen on. Env: POSTGEN_REVIEW_PORT.")
@click.option("--pull-every", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds between pulls of the calendar (a push webhook on "
                   "/_review/hook pulls at once).")
@click.option("--config-name", default="mkdocs.yml", show_default=True,
              help="The config file's path inside the repository.")
def serve(remote: str | None, state_dir: Path, host: str, port: int, pull_every: float,
          config_name: str) -> None:
    """Serve the approval site to invited reviewers and record their decisions.

    One process, one origin: it clones the calendar into --state-dir, builds
    the site (again, incrementally, after every pull and decision), and
    answers the site's Approve / Ask for changes / Reply buttons. A decision
    is kept in a local journal first, then appended to approvals.jsonl (a
    comment to comments.jsonl), committed and pushed; the reviewer is told
    it is recorded only then. Needs `review:` in mkdocs.yml and its key in
    the variable named by review.secret_env.

    \b
    Example:
      POSTGEN_REVIEW_SECRET=... postgen review serve --repo git@github.com:acme/social.git
    """
    import uvicorn

    from postgen.review.app import make_app
    from postgen.review.links import Keys, secret_of
    from postgen.review.receiver import Receiver

    _log_to_stderr()
    if remote is None and not (state_dir / "calendar" / ".git").exists():
        remote = _origin()
    receiver = Receiver(state_dir.absolute(), remote, config_name=config_name,
                        pull_every=pull_every)
    receiver.start()
    try:
        assert receiver.built is not None
        settings = receiver.built.config.review
        if settings is None:
            raise PostgenError(f"{config_name} has no 'review:' settings under the postgen "
                               "plugin (docs/review.md)")
        app = make_app(receiver, Keys(secret_of(settings)))
        click.echo(f"postgen review: serving {receiver.built.config.brand.name}'s calendar "
                   f"on http://{host}:{port}/ (reviewers reach it at {settings.url})", err=True)
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                    proxy_headers=True, server_header=False)
    finally:
        receiver.stop()


@review.command(context_settings=CONTEXT)
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 366),
              help="How long the link works (default: review.link_days, 30).")
@click.option("--print", "print_only", is_flag=True,
              help="Print the link instead of emailing it (the default without "
                   "review.mail_channel).")
@click.pass_context
def invite(ctx: click.Context, email: str, days: int | None, print_only: bool) -> None:
    """Make EMAIL's link to the review site (a reviewer in approval.reviewers).

    The link logs them in with no password and signs their decisions with
    their address. It is emailed through review.mail_channel, or printed.
    Its id is printed too: list it under review.revoked to withdraw it
    (changing the key in review.secret_env withdraws every link).

    \b
    Example:
      postgen review invite dana@client.com --days 14
    """
    from postgen.review import mail
    from postgen.review.links import Keys, secret_of

    config = _calendar(ctx).config
    if config.review is None:
        raise PostgenError("mkdocs.yml has no 'review:' settings under the postgen plugin "
                           "(docs/review.md)")
    now = datetime.now(UTC)
    link, grant = Keys(secret_of(config.review)).mint(config, email, now, days)
    until = datetime.fromtimestamp(grant.expires, UTC)
    if print_only or config.review.mail_channel is None:
        click.echo(link)
    else:
        mail.send(config, [mail.invitation(config, grant.reviewer, link, until)])
        click.echo(f"sent {grant.reviewer} their link", err=True)
    click.echo(f"link {grant.link} for {grant.reviewer}, valid until "
               f"{until.astimezone(config.timezone):%Y-%m-%d %H:%M} (to withdraw it: add "
               f"{grant.link} to review.revoked)", err=True)


@review.command(context_settings=CONTEXT)
@click.option("--now", "now_text", metavar="ISO", help="Pretend it is this time (ISO 8601).")
@click.option("--print", "print_only", is_flag=True,
              help="Print the messages instead of sending them.")
@click.pass_context
def notify(ctx: click.Context, now_text: str | None, print_only: bool) -> None:
    """Email each reviewer what waits for them: how many posts, the first due date and
    their link; a reminder when a post due within 48 hours is not approved yet.

    Reviewers with nothing waiting get nothing. CI runs it on a schedule (the
    review-reminders workflow `postgen init` writes).

    \b
    Example:
      postgen review notify --print
    """
    from postgen import pipeline
    from postgen.ledger import Ledger
    from postgen.review import mail
    from postgen.review.links import Keys, secret_of

    calendar, rendered, _problems = pipeline.check(_calendar(ctx))
    config = calendar.config
    if config.review is None:
        raise PostgenError("mkdocs.yml has no 'review:' settings under the postgen plugin "
                           "(docs/review.md)")
    now = _parse_now(now_text, calendar)
    keys = Keys(secret_of(config.review))
    ledger = Ledger.load(config.root)
    messages = []
    for w in mail.waiting(calendar, rendered.variants, now, ledger.published):
        link, _grant = keys.mint(config, w.reviewer, now)
        messages.append(mail.reminder(config, w, link))
    if print_only or config.review.mail_channel is None:
        for m in messages:
            click.echo(f"To: {m.to}\nSubject: {m.subject}\n\n{m.text}\n")
    elif messages:
        mail.send(config, messages)
    click.echo(f"{len(messages)} reviewer{'s' if len(messages) != 1 else ''} with posts "
               "waiting" + ("" if print_only or config.review.mail_channel is None
                            else ": told"), err=True)


def _origin() -> str:
    from postgen.review.gitrepo import run_git

    done = run_git(["remote", "get-url", "origin"])
    if done.returncode != 0:
        raise PostgenError("give --repo URL: the calendar repository to clone (this folder "
                           "has no git remote 'origin')")
    return done.stdout.strip()


def _log_to_stderr() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in ("postgen.review", "mkdocs.plugins.postgen"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
