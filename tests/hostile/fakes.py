"""Boundary fakes on 127.0.0.1: an AWS STS that answers, fails, throttles or hangs, and servers
standing in for an IdP that is slow or broken. Plus a hand-made SAML response for them.

The fake STS does not judge the assertion (the strict moto STS of ``stackfixtures`` does that):
it exists for the faults no emulator produces on demand.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable

ACCOUNT = "000000000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Role.User"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/SamlExampleProvider"
#: Text inside the hand-made assertion, to look for (secret scans) in its XML form.
ASSERTION_MARKER = "fail-safe-assertion-" + secrets.token_hex(8)


def saml_xml(
    roles: list[str] | None = None, marker: str = ASSERTION_MARKER, extra: str = "", not_on_or_after: str | None = None
) -> str:
    """A SAML Response as AWS expects it (unsigned: only the fake STS reads it)."""
    roles = [f"{ROLE_ARN},{PROVIDER_ARN}"] if roles is None else roles
    later = not_on_or_after or (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    values = "".join(f"<saml:AttributeValue>{r}</saml:AttributeValue>" for r in roles)
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{marker}" Version="2.0"
 Destination="https://signin.aws.amazon.com/saml">
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a{marker}" Version="2.0">
<saml:Subject><saml:NameID>{marker}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="https://signin.aws.amazon.com/saml"/>
</saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotOnOrAfter="{later}"/>
<saml:AttributeStatement>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
<saml:AttributeValue>fail-safe</saml:AttributeValue></saml:Attribute>
{extra}
</saml:AttributeStatement></saml:Assertion></samlp:Response>"""


def saml_b64(**kwargs: object) -> str:
    return base64.b64encode(saml_xml(**kwargs).encode()).decode()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeSts:
    """``mode``: ok | 500 | throttle | garbage | hang. Counts every request it gets; in ``ok`` mode
    it hands out fresh, distinctive credentials (``self.issued``) for secret scans."""

    def __init__(self, mode: str = "ok", delay: float = 0.0) -> None:
        self.mode = mode
        self.delay = delay
        self.requests: list[str] = []  # the Action of each request
        self.issued: list[dict[str, str]] = []
        # Called (in the server's thread) with the Action, before the answer is sent and after:
        # a test synchronises with the client's progress here instead of guessing with sleeps.
        self.before_answer: Callable[[str], None] | None = None
        self.after_answer: Callable[[str], None] | None = None
        self._release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = urllib.parse.parse_qs(self.rfile.read(length).decode())
                action = (body.get("Action") or ["?"])[0]
                outer.requests.append(action)
                if outer.before_answer is not None:
                    outer.before_answer(action)
                if outer.mode == "hang":
                    outer._release.wait(120)  # until the test ends: the client must give up or be stopped
                    return
                if outer.delay:
                    time.sleep(outer.delay)
                status, payload = outer.answer(action)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                if outer.after_answer is not None:
                    outer.after_answer(action)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, action: str) -> tuple[int, bytes]:
        if self.mode == "500":
            return 500, b"<html>Internal Server Error</html>"
        if self.mode == "throttle":
            return 400, (
                b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
                b"<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error><RequestId>1</RequestId></ErrorResponse>"
            )
        if self.mode == "garbage":
            return 200, b"\x00\xff this is not XML <<<"
        if action == "GetCallerIdentity":
            return 200, (
                f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f"<GetCallerIdentityResult><Arn>arn:aws:sts::{ACCOUNT}:assumed-role/Role.User/fail-safe</Arn>"
                f"<UserId>AROA:fail-safe</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>"
                f"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
                f"</GetCallerIdentityResponse>"
            ).encode()
        creds = {
            "AccessKeyId": "ASIA" + secrets.token_hex(8).upper(),
            "SecretAccessKey": secrets.token_urlsafe(30),
            "SessionToken": "FwoG" + secrets.token_urlsafe(120),
        }
        self.issued.append(creds)
        expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, (
            f'<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<AssumeRoleWithSAMLResult><Credentials>"
            f"<AccessKeyId>{creds['AccessKeyId']}</AccessKeyId>"
            f"<SecretAccessKey>{creds['SecretAccessKey']}</SecretAccessKey>"
            f"<SessionToken>{creds['SessionToken']}</SessionToken>"
            f"<Expiration>{expires}</Expiration></Credentials>"
            f"<AssumedRoleUser><Arn>arn:aws:sts::{ACCOUNT}:assumed-role/Role.User/fail-safe</Arn>"
            f"<AssumedRoleId>AROA:fail-safe</AssumedRoleId></AssumedRoleUser>"
            f"<Subject>fail-safe</Subject><SubjectType>transient</SubjectType>"
            f"<Issuer>urn:fake</Issuer><Audience>https://signin.aws.amazon.com/saml</Audience>"
            f"<NameQualifier>x</NameQualifier></AssumeRoleWithSAMLResult>"
            f"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            f"</AssumeRoleWithSAMLResponse>"
        ).encode()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts TCP connections and never answers (an IdP or STS that hangs). Counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)  # kept open, never answered

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


class StatusServer:
    """An IdP answering every request with one HTTP status and a small page."""

    def __init__(self, status: int = 500) -> None:
        code = status

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = f"<html><body><h1>{code} Internal Server Error</h1></body></html>".encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/idp/sso"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Federation:
    """A loopback stand-in for the AWS federation endpoint (console sign-in)."""

    def __init__(self) -> None:
        import json

        self.token = "SigninToken-" + secrets.token_urlsafe(16)
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                body = json.dumps({"SigninToken": outer.token}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
