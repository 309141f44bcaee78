"""Email over SMTP: the email variant as multipart/alternative (text and HTML).

Options: `host`, `port` (default 587 for `starttls`, 465 for `tls`, 25 for
`none`), `security` (`starttls`, the default; `tls`, implicit TLS; `none`, only
for a server on this machine), `from` (default: the channel's account), `to` (a
list: a newsletter goes to a list address), `username_env` and `password_env`
(both or neither), `ca_file` (a CA bundle inside the calendar, for a relay with
its own certificate authority), `timeout` (seconds, default 30).

The Message-ID is derived from the job's idempotency key, so a receiver can
recognise a resend. Replies 4yz are temporary (`RetryLater`), 5yz permanent
(`Rejected`), a failed login `AuthFailed`; a connection lost while the message
was being handed over is `OutcomeUnknown`.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import ClassVar

from postgen.models import Channel
from postgen.publishers.base import (
    AuthFailed,
    ConfigProblem,
    Context,
    Credential,
    Identity,
    Job,
    OutcomeUnknown,
    PublishError,
    Rejected,
    Request,
    RetryLater,
    Sent,
)
from postgen.publishers.http import missing_secrets, secret

PORTS = {"starttls": 587, "tls": 465, "none": 25}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class SmtpPublisher:
    name: ClassVar[str] = "smtp"

    def __init__(self, channel: Channel, context: Context) -> None:
        self.channel = channel
        self.ctx = context

    # -- settings ------------------------------------------------------------------

    def option(self, key: str, default: str = "") -> str:
        value = self.channel.options.get(key)
        return default if value is None or value == "" else str(value)

    @property
    def host(self) -> str:
        return self.option("host")

    @property
    def security(self) -> str:
        return self.option("security", "starttls")

    @property
    def port(self) -> int:
        value = self.channel.options.get("port")
        return value if isinstance(value, int) else PORTS.get(self.security, 587)

    @property
    def recipients(self) -> list[str]:
        to = self.channel.options.get("to")
        items = [to] if isinstance(to, str) else to if isinstance(to, list) else []
        return [str(t) for t in items]

    @property
    def sender(self) -> str:
        return self.option("from", self.channel.account)

    @property
    def envelope_sender(self) -> str:
        """The bare address of `from` (which may carry a display name)."""
        return parseaddr(self.sender)[1]

    @property
    def logs_in(self) -> bool:
        return bool(self.option("username_env") or self.option("password_env"))

    def validate(self) -> Sequence[str]:
        name = self.channel.name
        problems: list[str] = []
        if not self.host:
            problems.append(f"{name}: set options.host (the SMTP server)")
        if self.security not in PORTS:
            problems.append(f"{name}: options.security must be starttls, tls or none")
        elif self.security == "none" and self.host and self.host not in LOCAL_HOSTS:
            problems.append(f"{name}: security: none is only allowed for a server on this "
                            "machine (localhost); use starttls or tls")
        port = self.channel.options.get("port")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            problems.append(f"{name}: options.port must be a port number")
        if not self.recipients or not all("@" in t for t in self.recipients):
            problems.append(f"{name}: set options.to to a list of addresses")
        if "@" not in self.envelope_sender:
            problems.append(f"{name}: set options.from (or the account) to an address")
        try:
            float(self.option("timeout", "30"))
        except ValueError:
            problems.append(f"{name}: options.timeout must be a number of seconds")
        if self.channel.platform != "email":
            problems.append(f"{name}: the smtp publisher sends email posts, not "
                            f"{self.channel.platform}")
        if self.logs_in:
            problems += missing_secrets(self.ctx, self.channel, "username", "password")
        return problems

    # -- accounts --------------------------------------------------------------------

    def credentials(self) -> Sequence[Credential]:
        host = f"{self.host.lower()}:{self.port}"
        return [Credential(name, host) for key in ("username", "password")
                if (name := self.option(f"{key}_env"))]

    def whoami(self) -> Identity:
        """Connect, say hello (with STARTTLS as configured), log in, and quit."""
        with self._session(self._checked()):
            pass
        return Identity(f"smtp://{self.host}:{self.port}",  # the user name is kept secret too
                        note=f"logged in as {self.option('username_env')}"
                        if self.logs_in else "no login configured")

    # -- the message ---------------------------------------------------------------

    def message_id(self, job: Job) -> str:
        digest = hashlib.sha256(job.idempotency_key.encode()).hexdigest()[:32]
        domain = self.envelope_sender.rsplit("@", 1)[-1] or "postgen.invalid"
        return f"<{digest}.postgen@{domain}>"

    def message(self, job: Job) -> EmailMessage:
        v = job.variant
        fields = v.payload.get("message")
        mail: Mapping[str, object] = fields if isinstance(fields, Mapping) else {}
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Subject"] = str(mail.get("subject") or v.subject or "")
        msg["Date"] = format_datetime(self.ctx.now())
        msg["Message-ID"] = self.message_id(job)
        extra = mail.get("headers")
        for key, value in (extra.items() if isinstance(extra, Mapping) else ()):
            msg[str(key)] = str(value)
        msg.set_content(str(mail.get("text") or v.text))
        html = mail.get("html") or v.html
        if html:
            msg.add_alternative(str(html), subtype="html")
        return msg

    def describe(self, job: Job) -> Sequence[Request]:
        msg = self.message(job)
        headers = {k: str(v) for k, v in msg.items() if k.lower() not in ("content-type",
                                                                           "mime-version")}
        fields = job.variant.payload.get("message")
        mail: Mapping[str, object] = fields if isinstance(fields, Mapping) else {}
        body = {"text": mail.get("text") or job.variant.text, "html": mail.get("html"),
                "security": self.security,
                "login": f"{self.option('username_env')} / ***" if self.logs_in else None}
        return [Request("SMTP", f"smtp://{self.host}:{self.port}", headers, body)]

    # -- sending -------------------------------------------------------------------

    def connection(self) -> AbstractContextManager[smtplib.SMTP]:
        """A connection as `send` makes one (hello, STARTTLS, login), for other mail
        through the channel's server: the review server's invitations and reminders."""
        return self._session(self._checked())

    def send(self, job: Job) -> Sent:
        where = self._checked()
        msg = self.message(job)
        with self._session(where) as smtp:
            try:
                smtp.send_message(msg, from_addr=self.envelope_sender,
                                  to_addrs=self.recipients)
            except (OSError, smtplib.SMTPException) as exc:
                raise _classified(exc, where, sending=True, auth="") from exc
        return Sent(remote_id=str(msg["Message-ID"]))

    def _checked(self) -> str:
        """Refuse incomplete settings before any network call; say where mail goes (for
        messages)."""
        problems = self.validate()
        if problems:
            raise ConfigProblem("; ".join(problems))
        return f"{self.channel.name}: smtp://{self.host}:{self.port}"

    @contextmanager
    def _session(self, where: str) -> Iterator[smtplib.SMTP]:
        """Connected, hello said (STARTTLS, login as configured); closed after."""
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise _classified(exc, where, sending=False, auth="") from exc
        try:
            try:
                self._hello(smtp)
            except (OSError, smtplib.SMTPException) as exc:
                raise _classified(exc, where, sending=False, auth=self._auth_names()) from exc
            yield smtp
        finally:
            _close(smtp)

    def _connect(self) -> smtplib.SMTP:
        timeout = float(self.option("timeout", "30"))
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout,
                                    context=self._tls())
        return smtplib.SMTP(self.host, self.port, timeout=timeout)

    def _hello(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.security == "starttls":
            smtp.starttls(context=self._tls())
            smtp.ehlo()
        if self.logs_in:
            smtp.login(secret(self.ctx, self.channel, "username"),
                       secret(self.ctx, self.channel, "password"))

    def _tls(self) -> ssl.SSLContext:
        ca = self.option("ca_file")
        return ssl.create_default_context(cafile=str(Path(self.ctx.root) / ca) if ca else None)

    def _auth_names(self) -> str:
        return " and ".join(self.option(f"{key}_env") for key in ("username", "password")
                            if self.option(f"{key}_env"))

    def resolve(self, job: Job) -> Sent | None:
        raise OutcomeUnknown(
            f"{self.channel.name}: SMTP cannot be asked whether {job.variant.post_id} was "
            f"delivered; look for Message-ID {self.message_id(job)} in the list's archive or a "
            "subscriber's inbox, then record what you find with `postgen ledger resolve`")


def _classified(exc: BaseException, where: str, *, sending: bool, auth: str) -> PublishError:
    """An SMTP failure as a `PublishError`: by reply code, or by when the connection broke."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ConfigProblem(f"{where}: the server's certificate is not trusted "
                             f"({exc.verify_message}); set options.ca_file if it has its own CA")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ConfigProblem(f"{where}: {exc} (check options.security and the login options)")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        fix = f": check {auth}" if auth else ""
        return AuthFailed(f"{where}: login refused ({exc.smtp_code}){fix}", status=exc.smtp_code)
    code: int | None = None
    text = ""
    if isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, _text(exc.smtp_error)
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = max(codes) if codes else None
        text = "; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in exc.recipients.items())
    if code is not None and 400 <= code < 500:
        return RetryLater(f"{where}: {code} {text} (temporary)", status=code)
    if code is not None and code >= 500:
        return Rejected(f"{where}: {code} {text}", status=code)
    if sending and not isinstance(exc, smtplib.SMTPRecipientsRefused):
        return OutcomeUnknown(f"{where}: the connection failed while the message was handed "
                              f"over ({type(exc).__name__}); it may have been accepted")
    return RetryLater(f"{where}: {type(exc).__name__}: {exc}; nothing was sent")


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
