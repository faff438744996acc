"""``exec --server`` without the stack: the real entry point, a real child, real HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import queue
import subprocess
import sys
import threading
import time
import urllib.parse

from deliverysupport import _MAIN, PROVIDER, ROLE, run_deliver, write_profile

from awscli_saml_sso import awsfiles
from awscli_saml_sso.delivery import server
from awscli_saml_sso.models import Role

PROBE = r"""
import json, os, socket, sys, urllib.error, urllib.parse, urllib.request
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
def status(method="GET", path=None, headers=None):
    target = url if path is None else url.rsplit("/", 1)[0] + path
    try:
        with urllib.request.urlopen(urllib.request.Request(target, method=method, headers=headers or {}), timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
report = {
    "missing": status()[0], "wrong": status(headers={"Authorization": token + "x"})[0],
    "post": status("POST", headers={"Authorization": token})[0],
    "other_path": status(path="/other", headers={"Authorization": token})[0],
}
code, body = status(headers={"Authorization": token})
report["ok"], report["body"] = code, body
# a client that connects and sends nothing holds no thread for ever, and others are still served
parts = urllib.parse.urlsplit(url)
idle = socket.create_connection((parts.hostname, parts.port))
report["while_idle"] = status(headers={"Authorization": token})[0]
report["env"] = {k: v for k, v in os.environ.items() if k.startswith("AWS_") and "TOKEN" not in k}
json.dump(report, open(sys.argv[1], "w"))
sys.exit(9)
"""


def test_server_answers_only_the_token_holder_on_its_path(cli_env, tmp_path) -> None:
    creds = write_profile("work")
    out = tmp_path / "report.json"
    result = run_deliver(
        ["exec", "--profile", "work", "--server", "--", sys.executable, "-c", PROBE, str(out)],
        {**cli_env, "AWS_ACCESS_KEY_ID": "AKIASTATIC", "AWS_PROFILE": "x"},
    )
    assert result.code == 9, result
    report = json.loads(out.read_text())
    assert (report["missing"], report["wrong"], report["post"], report["other_path"]) == (401, 403, 405, 404)
    assert report["ok"] == 200 and report["while_idle"] == 200
    assert report["body"] == {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "RoleArn": "arn:aws:iam::123456789012:role/Dev",
        "Expiration": creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    env = report["env"]
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert "AWS_ACCESS_KEY_ID" not in env and "AWS_PROFILE" not in env and env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == cli_env["AWS_SHARED_CREDENTIALS_FILE"]  # no [default]: untouched


def test_default_keys_are_hidden_from_the_command(cli_env, tmp_path) -> None:
    write_profile("work")
    path = awsfiles.credentials_path(cli_env)
    path.write_text(path.read_text() + "\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n")
    out = tmp_path / "report.json"
    result = run_deliver(
        ["exec", "--profile", "work", "--server", "--", sys.executable, "-c", PROBE, str(out)], cli_env
    )
    assert result.code == 9, result
    import os

    assert json.loads(out.read_text())["env"]["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull


def test_an_expired_one_off_profile_fails_before_the_command(cli_env, tmp_path) -> None:
    write_profile("work", minutes_left=-1)
    marker = tmp_path / "ran"
    result = run_deliver(["exec", "--profile", "work", "--server", "--", "touch", str(marker)], cli_env)
    assert result.code == 2 and "expired" in result.err and not marker.exists(), result


# A client in the child, as an SDK's: raw HTTP/1.1 on one kept-alive connection, then clients
# that reset their connection (RST, SO_LINGER 0) halfway through a request or before reading.
RAW = r"""
import json, os, socket, statistics, struct, sys, time, urllib.parse
url = urllib.parse.urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
request = f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: {token}\r\n\r\n".encode()
def answer(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return head.split(b" ")[1], json.loads(body)
def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
report = {"ms": []}
with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
    for _ in range(21):
        began = time.perf_counter()
        sock.sendall(request)
        code, body = answer(sock)
        assert code == b"200" and body["AccessKeyId"], (code, body)
        report["ms"].append((time.perf_counter() - began) * 1000)
for part in (request[:20], request[: len(request) // 2], request, request * 3):
    for _ in range(5):
        sock = socket.create_connection((url.hostname, url.port), timeout=30)
        sock.sendall(part)
        reset(sock)
with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
    sock.sendall(request)
    report["after"] = answer(sock)[0].decode()
json.dump(report, open(sys.argv[1], "w"))
sys.exit(9)
"""


def test_kept_alive_requests_are_answered_at_once_and_resets_are_quiet(cli_env, tmp_path) -> None:
    """One write per answer (no 40 ms delayed ACK between headers and body, as http.server had);
    a client resetting its connection mid-request leaves no traceback and the server answering."""
    write_profile("work")
    out = tmp_path / "report.json"
    result = run_deliver(["exec", "--profile", "work", "--server", "--", sys.executable, "-c", RAW, str(out)], cli_env)
    assert result.code == 9, result
    report = json.loads(out.read_text())
    median = sorted(report["ms"])[len(report["ms"]) // 2]
    assert median < 20, report["ms"]  # 44 ms each with headers and body in two writes
    assert report["after"] == "200"
    assert "Traceback" not in result.err and "Error" not in result.err, result.err


EXPIRE_AND_WAIT = r"""
import os, re, sys
path = os.environ["AWS_SHARED_CREDENTIALS_FILE"]
text = re.sub(r"x_security_token_expires = .*", "x_security_token_expires = 2020-01-01T00:00:00+00:00", open(path).read())
open(path, "w").write(text)
sys.stdin.read()  # until the test has seen the line
"""


def test_a_failed_renewal_says_why_on_stderr_without_a_terminal(cli_env) -> None:
    """A CI job's log (no terminal): one line per failed renewal, no traceback."""
    creds = write_profile("work")
    awsfiles.write_credentials("work", creds, Role(ROLE, PROVIDER), cli_env, idp_nickname="gone")  # no such IdP
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _MAIN,
            "exec",
            "--profile",
            "work",
            "--server",
            "--",
            sys.executable,
            "-c",
            EXPIRE_AND_WAIT,
        ],
        env=cli_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line.decode()) for line in proc.stderr], daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=60)  # the renewal thread checks every 2 s
    finally:
        proc.stdin.close()
        proc.wait(60)
        reader.join(60)
    assert "exec --server: logging in again failed: unknown IdP nickname 'gone'" in first, first
    assert "next try in 60 s" in first and proc.returncode == 0 and lines.empty(), (first, list(lines.queue))


def test_the_503_after_expiry_says_in_json_why(cli_env) -> None:
    """Nothing valid left and the renewal failed: the SDK's error shows the reason."""
    creds = write_profile("work", minutes_left=-1)
    awsfiles.write_credentials("work", creds, Role(ROLE, PROVIDER), cli_env, idp_nickname="gone")
    warnings: list[str] = []
    source = server.Source("work", cli_env, status=lambda _: None, warn=warnings.append)
    with server.CredentialServer(source, lambda _: None) as running:
        parts = urllib.parse.urlsplit(running.url)
        deadline = time.monotonic() + 60
        while True:  # until the renewal (started by the first request) has failed
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", parts.path, headers={"Authorization": running.token})
            answer = connection.getresponse()
            body = json.loads(answer.read())
            connection.close()
            if "failed" in body["message"] or time.monotonic() > deadline:
                break
    assert answer.status == 503 and answer.getheader("Content-Type") == "application/json"
    assert body["message"].startswith("no valid credentials for [work]: logging in again failed: unknown IdP"), body
    assert len(warnings) == 1, warnings
