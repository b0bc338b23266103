"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the email channel's tests.

Prints one JSON line on stdout once it listens: {"port": N, "cert": "/path/cert.pem" or null}.
Appends one JSON line per accepted message to --record, written and flushed before the server answers
250 to the end of DATA, so a client that got its 250 can read the record at once. Each record holds the
raw message, the envelope, the connection it came over, and a summary made by Python's own email parser
(an independent check of the MIME the channel writes). Exits when its stdin closes.

    smtp_server.py --record FILE [--tls none|starttls|implicit] [--auth USER:PASSWORD]
                   [--rcpt-reply "451 4.3.0 Try again later"] [--drop-reused]
"""

import argparse
import asyncio
import base64
import email
import email.policy
import itertools
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificate(directory):
    """A throw-away self-signed certificate for localhost and 127.0.0.1 (ECDSA P-256: quick to make)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def summary(raw):
    """What Python's email package makes of the message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    addresses = {}
    for name in ("From", "To", "Reply-To"):
        header = message[name]
        if header is not None:
            addresses[name] = [[a.display_name, a.addr_spec] for a in header.addresses]
    parts = []
    defects = [repr(d) for d in message.defects]
    for part in message.walk():
        defects += [repr(d) for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "content": base64.b64encode(part.get_payload(decode=True)).decode(),
        })
    return {
        "headers": [[name, str(value)] for name, value in message.items()],
        "addresses": addresses,
        "content_type": message.get_content_type(),
        "date": message["Date"].datetime.isoformat() if message["Date"] is not None else None,
        "parts": parts,
        "defects": defects,
    }


class Handler:
    def __init__(self, record, rcpt_reply, drop_reused):
        self.record = record
        self.rcpt_reply = rcpt_reply
        self.drop_reused = drop_reused
        self.queued = itertools.count(1)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_reused and server.transactions > 0:
            # As if the session had timed out just as the client reused it: gone, without a word.
            server.transport.close()
            return "421 4.4.2 closing (never sent)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        server.transactions += 1
        queue_id = "Q%05d" % next(self.queued)
        raw = envelope.original_content
        auth = session.auth_data
        entry = {
            "connection": server.connection_number,
            "peer": "%s:%s" % tuple(session.peer[:2]),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": auth.login.decode() if isinstance(auth, LoginPassword) else None,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "queue_id": queue_id,
            "data": base64.b64encode(raw).decode(),
            "parsed": summary(raw),
        }
        self.record.write(json.dumps(entry) + "\n")
        self.record.flush()
        return "250 2.0.0 Ok: queued as " + queue_id


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def main():
    warnings.simplefilter("ignore", DeprecationWarning)
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--auth")
    parser.add_argument("--rcpt-reply")
    parser.add_argument("--drop-reused", action="store_true",
                        help="close a session, without a reply, when a second message starts on it")
    options = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="aerd-smtp-")
    try:
        cert, context = (None, None)
        if options.tls != "none":
            cert, context = make_certificate(directory)
        record = open(options.record, "a", encoding="utf-8")
        handler = Handler(record, options.rcpt_reply, options.drop_reused)
        numbers = itertools.count(1)

        def protocol():
            smtp = SMTP(
                handler, hostname="localhost",
                tls_context=context if options.tls == "starttls" else None,
                require_starttls=options.tls == "starttls",
                authenticator=authenticator_for(options.auth) if options.auth else None,
                auth_require_tls=options.tls == "starttls")
            smtp.connection_number = next(numbers)
            smtp.transactions = 0
            return smtp

        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            protocol, host="127.0.0.1", port=0, ssl=context if options.tls == "implicit" else None)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(json.dumps({"port": port, "cert": cert}) + "\n")
        sys.stdout.flush()

        stdin_closed = loop.create_future()

        def on_stdin():
            if not os.read(sys.stdin.fileno(), 4096) and not stdin_closed.done():
                stdin_closed.set_result(None)

        loop.add_reader(sys.stdin.fileno(), on_stdin)
        await stdin_closed
        server.close()
        record.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
