"""The AWS side: moto's server app behind a WSGI layer that makes AssumeRoleWithSAML strict.

moto 5.2.5 answers AssumeRoleWithSAML with HTTP 500 for multi-role assertions and never checks
the grant or the signature. Here that action is answered like AWS does: signature checked
against the IAM SAML provider's metadata, grant, role trust, durations, STS-shaped errors.
Credentials still come from moto's STS backend (in-process), so GetCallerIdentity with them
shows the assumed-role ARN. ``/federation`` is AWS's sign-in endpoint for ``console``
(devstack/federation.py). Everything else passes through to moto untouched.

Run as ``python -m devstack.aws --port PORT`` (``python -m devstack up`` does this).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import signal
import sys
import threading
import uuid
from urllib.parse import parse_qs

from devstack import federation, realm, stsrules
from devstack.samlcheck import StsFault

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
CLOCK_PATH = "/devstack/clock"  # POST seconds=N: shift the STS clock (expiry tests)
CALLS_PATH = "/devstack/calls"  # GET: {"AssumeRoleWithSAML": N} since the last reset (tests)


class StrictSamlMiddleware:
    def __init__(self, app) -> None:  # any WSGI app
        self.app = app
        self.clock_offset = 0.0
        self.assume_calls = 0
        self.federation = federation.Federation()
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.clock_offset)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        params = _params(environ)
        if path == CLOCK_PATH and environ["REQUEST_METHOD"] == "POST":
            self.clock_offset = float(params.get("seconds", "0"))
            return _reply(start_response, 200, "text/plain", b"ok\n")
        if path == CALLS_PATH and environ["REQUEST_METHOD"] == "GET":
            body = f'{{"AssumeRoleWithSAML": {self.assume_calls}}}'.encode()
            return _reply(start_response, 200, "application/json", body)
        if path == federation.PATH:
            return _reply(start_response, *self.federation.answer(params, self.now()))
        if path == "/moto-api/reset":
            self.clock_offset = 0.0
            self.assume_calls = 0
        if params.get("Action") == "AssumeRoleWithSAML":
            with self._lock:
                self.assume_calls += 1
            return self.assume_role_with_saml(params, start_response)
        return self.app(environ, start_response)

    def assume_role_with_saml(self, params: dict[str, str], start_response):
        request_id = str(uuid.uuid4())
        try:
            with self._lock:
                body = stsrules.assume_role_with_saml(params, self.now())
        except StsFault as fault:
            return _reply(start_response, fault.status, "text/xml", _error_xml(fault, request_id))
        xml = (
            f'<AssumeRoleWithSAMLResponse xmlns="{STS_NS}">'
            f"<AssumeRoleWithSAMLResult>{body}</AssumeRoleWithSAMLResult>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            "</AssumeRoleWithSAMLResponse>"
        )
        return _reply(start_response, 200, "text/xml", xml.encode())


def _params(environ) -> dict[str, str]:
    """Query-protocol parameters from the query string or a form body (body is put back)."""
    pairs = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    ctype = environ.get("CONTENT_TYPE", "")
    if environ["REQUEST_METHOD"] == "POST" and ctype.startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        pairs.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
    return {k: v[0] for k, v in pairs.items()}


def _reply(start_response, status: int, ctype: str, body: bytes):
    reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error"}
    start_response(
        f"{status} {reasons.get(status, 'Error')}", [("Content-Type", ctype), ("Content-Length", str(len(body)))]
    )
    return [body]


def _error_xml(fault: StsFault, request_id: str) -> bytes:
    from xml.sax.saxutils import escape

    kind = "Receiver" if fault.status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(fault.code)}</Code><Message>{escape(fault.message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def make_app():
    """moto's multi-service dispatcher wrapped by the strict SAML layer."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return StrictSamlMiddleware(DomainDispatcherApplication(create_backend_app))


def serve(host: str, port: int) -> None:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    server = make_server(host, port, make_app(), threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"strict STS + moto on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.aws")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=realm.DEFAULT_AWS_PORT)
    args = parser.parse_args(argv)
    # moto reads the account at import time.
    os.environ["MOTO_ACCOUNT_ID"] = realm.ACCOUNT_ID
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
