"""The outbox, the webhook and SMTP (against a real aiosmtpd server on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from postgen.publishers.base import ConfigProblem, OutcomeUnknown, Rejected, RetryLater, Sent
from postgen.publishers.webhook import FIELDS
from tests.publishers.conftest import SECRET, World

# -- outbox --------------------------------------------------------------------------


def test_outbox_writes_the_payload_once_per_key(world: World) -> None:
    world.use("outbox")
    job = world.job()
    publisher = world.publisher()
    assert publisher.resolve(job) is None
    sent = publisher.send(job)
    path = world.root / "outbox/main/p1.json"
    assert sent == Sent(remote_id="outbox/main/p1.json")
    written = json.loads(path.read_text())
    assert written["idempotency_key"] == job.idempotency_key
    assert written["text"] == job.variant.text and written["parts"] == [job.variant.text]
    assert written["media"][0]["src"] == "a.jpg" and written["media"][0]["alt"]
    assert written["payload"]["requests"][-1]["endpoint"] == "https://api.x.com/2/tweets"
    before = path.stat().st_mtime_ns
    assert publisher.send(job) == sent  # the same key: the same file, untouched
    assert path.stat().st_mtime_ns == before
    assert publisher.resolve(job) == sent
    assert sorted(p.name for p in path.parent.iterdir()) == ["p1.json"]  # no temp files


def test_outbox_replaces_an_older_version(world: World) -> None:
    world.use("outbox")
    old = world.job("Old text.\n")
    world.publisher().send(old)
    new = world.job("New text.\n")
    assert world.publisher().resolve(new) is None  # the file holds another version
    world.publisher().send(new)
    assert json.loads((world.root / "outbox/main/p1.json").read_text())["text"] == "New text."


def test_outbox_folder_option(world: World) -> None:
    world.use("outbox", options={"folder": "build/queue"})
    job = world.job()
    assert world.publisher().send(job).remote_id == "build/queue/main/p1.json"
    assert world.publisher().describe(job)[0].url == "build/queue/main/p1.json"


# -- webhook -------------------------------------------------------------------------


def test_webhook_body_is_the_variant_signed(world: World) -> None:
    world.use("webhook")
    job = world.job()
    sent = world.publisher().send(job)
    assert sent.remote_id == "delivery-1"
    request = world.fake.requests[0]
    body = request.json()
    assert sorted(body) == sorted(FIELDS)
    assert body["post_id"] == "p1" and body["hash"] == job.variant.hash
    assert body["parts"] == [job.variant.text]
    assert request.headers["idempotency-key"] == job.idempotency_key
    assert world.api.violations == []
    assert world.publisher().send(job) == sent  # the receiver drops the repeat
    assert len(world.api.deliveries) == 1


def test_webhook_needs_a_url(world: World) -> None:
    world.use("webhook", options={"url": "ftp://nowhere"})
    job = world.job()
    assert world.publisher().validate() == ["main: set options.url to the webhook's "
                                            "http(s) URL"]
    with pytest.raises(ConfigProblem):
        world.publisher().send(job)


def test_webhook_resolve_asks_a_person(world: World) -> None:
    world.use("webhook")
    job = world.job()
    with pytest.raises(OutcomeUnknown, match=job.idempotency_key):
        world.publisher().resolve(job)


# -- SMTP ----------------------------------------------------------------------------


def parts(message: Message) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode()  # type: ignore[union-attr]
            for p in message.walk() if not p.is_multipart()}


def newsletter(world: World) -> Message:
    job = world.job("Hello **list**. Read [this](https://acme.example.com/x).\n",
                    front="variants:\n  main:\n    preheader: Early news\n")
    sent = world.publisher().send(job)
    [envelope] = world.mailbox.envelopes
    message = message_from_bytes(envelope.original_content or b"")
    assert sent.remote_id == message["Message-ID"]
    return message


def test_smtp_sends_multipart_alternative_with_derived_message_id(world: World) -> None:
    world.use("smtp", options={"unsubscribe_url": "https://acme.example.com/unsub"})
    message = newsletter(world)
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert "Hello list." in bodies["text/plain"]
    assert "<strong>list</strong>" in bodies["text/html"]
    assert message["Subject"] == "A post" and message["From"] == "news@acme.example.com"
    assert message["To"] == "list@acme.example.com"
    assert message["List-Unsubscribe"] == "<https://acme.example.com/unsub>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].endswith(".postgen@acme.example.com>")
    [envelope] = world.mailbox.envelopes
    assert envelope.rcpt_tos == ["list@acme.example.com"]


def test_smtp_message_id_is_the_same_for_the_same_job(world: World) -> None:
    world.use("smtp")
    job = world.job(media=False)
    first, second = world.publisher().send(job), world.publisher().send(job)
    assert first == second


@pytest.mark.parametrize(("reply", "error"), [("451 4.3.0 Try again later", RetryLater),
                                              ("554 5.7.1 Message rejected as spam", Rejected)])
def test_smtp_reply_codes(world: World, reply: str, error: type[Exception]) -> None:
    world.use("smtp")
    job = world.job(media=False)
    world.mailbox.reply = reply
    with pytest.raises(error, match=reply.split(" ", 1)[1]):
        world.publisher().send(job)


def test_smtp_security_none_only_on_this_machine(world: World) -> None:
    world.use("smtp", options={"host": "mail.example.com"})
    job = world.job(media=False)
    [problem] = world.publisher().validate()
    assert "only allowed for a server on this machine" in problem
    with pytest.raises(ConfigProblem):
        world.publisher().send(job)


def test_smtp_server_down_is_retry_later(world: World) -> None:
    world.use("smtp")
    job = world.job(media=False)
    assert world.smtp is not None
    world.smtp.stop()
    world.smtp = None
    with pytest.raises(RetryLater, match="nothing was sent"):
        world.publisher().send(job)


def test_smtp_resolve_asks_a_person(world: World) -> None:
    world.use("smtp")
    job = world.job(media=False)
    with pytest.raises(OutcomeUnknown, match="Message-ID <"):
        world.publisher().resolve(job)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made by the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_smtp_starttls_with_login(world: World, certificate: tuple[Path, Path]) -> None:
    shutil.copy(certificate[0], world.root / "relay-ca.pem")
    world.use("smtp", options={"security": "starttls", "ca_file": "relay-ca.pem"},
              tls_context=server_tls(certificate), require_starttls=True,
              auth_require_tls=True)
    newsletter(world)


def test_smtp_untrusted_certificate_is_a_config_problem(
        world: World, certificate: tuple[Path, Path]) -> None:
    world.use("smtp", options={"security": "starttls"}, tls_context=server_tls(certificate),
              require_starttls=True, auth_require_tls=True)
    job = world.job(media=False)
    with pytest.raises(ConfigProblem, match="ca_file"):
        world.publisher().send(job)
    assert world.mailbox.envelopes == []


def test_smtp_implicit_tls(world: World, certificate: tuple[Path, Path]) -> None:
    shutil.copy(certificate[0], world.root / "relay-ca.pem")
    world.use("smtp", options={"security": "tls", "ca_file": "relay-ca.pem"},
              ssl_context=server_tls(certificate))  # aiosmtpd counts only STARTTLS as TLS
    newsletter(world)


def test_smtp_describe_redacts_the_login(world: World) -> None:
    world.use("smtp")
    job = world.job(media=False)
    [request] = world.publisher().describe(job)
    assert request.method == "SMTP" and SECRET not in repr(request)
    assert request.headers["Message-ID"].startswith("<")
    assert world.mailbox.envelopes == []


def test_smtp_from_with_a_display_name(world: World) -> None:
    world.use("smtp", options={"from": "Acme News <news@acme.example.com>"})
    message = newsletter(world)
    assert message["From"] == "Acme News <news@acme.example.com>"
    assert world.mailbox.envelopes[0].mail_from == "news@acme.example.com"
