"""The DevTools pipe client (and the BiDi websocket one) without a browser: framing, answers by id, and no call that can hang
once the other end is gone (the browser's side is played by a thread on real pipes)."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from awscli_saml_sso.browser import cdp, chromium


def _pipes():
    """(our transport, the browser's read fd, the browser's write fd)."""
    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()
    return cdp.PipeTransport(commands_write, answers_read), commands_read, answers_write


def test_messages_split_and_joined_across_reads_are_framed_by_nul():
    transport, browser_read, browser_write = _pipes()
    first, second = json.dumps({"id": 1, "result": {"x": "é" * 40000}}), json.dumps({"id": 2})
    data = (first + "\0" + second + "\0").encode()
    writer = threading.Thread(
        target=lambda: [os.write(browser_write, data[i : i + 777]) for i in range(0, len(data), 777)]
    )
    writer.start()
    assert transport.recv() == first
    assert transport.recv() == second
    writer.join()
    os.close(browser_write)
    assert transport.recv() is None  # the browser's end closed
    transport.send('{"id": 3}')
    assert os.read(browser_read, 100) == b'{"id": 3}\0'
    transport.close()
    assert os.read(browser_read, 100) == b""  # the browser sees end-of-file: it exits
    os.close(browser_read)


def test_a_pending_call_fails_at_once_when_the_browser_goes_away():
    transport, browser_read, browser_write = _pipes()
    connection = cdp.Connection(transport)
    events = []
    connection.on("Target.targetCreated", events.append)

    def browser():
        raw = b""
        while b"\0" not in raw:
            raw += os.read(browser_read, 4096)
        asked = json.loads(raw.split(b"\0")[0])
        os.write(browser_write, json.dumps({"method": "Target.targetCreated", "params": {}}).encode() + b"\0")
        os.write(browser_write, json.dumps({"id": asked["id"], "result": {"ok": 1}}).encode() + b"\0")
        while b"\0" not in raw.split(b"\0", 1)[1]:  # the second command: never answered
            raw += os.read(browser_read, 4096)
        os.close(browser_write)  # the browser dies

    thread = threading.Thread(target=browser)
    thread.start()
    assert connection.call("Browser.getVersion", timeout=10) == {"ok": 1}
    began = time.monotonic()
    with pytest.raises(cdp.CdpError) as err:
        connection.call("Page.navigate", {"url": "x"}, session="s1", timeout=60)
    assert err.value.closed and time.monotonic() - began < 5
    with pytest.raises(cdp.CdpError):  # and so does every later one, without waiting
        connection.call("Browser.close", timeout=60)
    thread.join()
    deadline = time.monotonic() + 5
    while not events and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events and events[0]["method"] == "Target.targetCreated"
    connection.close()
    os.close(browser_read)


def test_preferences_are_merged_into_the_profile(tmp_path):
    (tmp_path / "Default").mkdir()
    (tmp_path / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"name": "kept", "password_manager_enabled": True}, "other": 1})
    )
    chromium.write_preferences(
        tmp_path, {"profile.password_manager_enabled": False, "net.network_prediction_options": 2}
    )
    prefs = json.loads((tmp_path / "Default" / "Preferences").read_text())
    assert prefs == {
        "profile": {"name": "kept", "password_manager_enabled": False},
        "other": 1,
        "net": {"network_prediction_options": 2},
    }
    assert (tmp_path / "Default" / "Preferences").stat().st_mode & 0o077 == 0


def test_a_failing_event_handler_fails_the_pending_call_at_once(caplog):
    """A bug in a listener used to be logged at DEBUG and surface as the caller's timeout."""
    transport, browser_read, browser_write = _pipes()
    connection = cdp.Connection(transport)

    def buggy(event):
        raise KeyError("params")

    connection.on("Fetch.requestPaused", buggy)

    def browser():  # reads the command, sends an event instead of the answer
        raw = b""
        while b"\0" not in raw:
            raw += os.read(browser_read, 4096)
        os.write(browser_write, json.dumps({"method": "Fetch.requestPaused", "params": {}}).encode() + b"\0")

    thread = threading.Thread(target=browser)
    thread.start()
    began = time.monotonic()
    with caplog.at_level("ERROR", logger="awscli_saml_sso.browser.cdp"), pytest.raises(cdp.CdpError) as err:
        connection.call("Page.navigate", {"url": "x"}, timeout=20)
    assert time.monotonic() - began < 5 and "event handler failed (KeyError)" in str(err.value)
    assert connection.failure and any(r.levelname == "ERROR" for r in caplog.records)
    thread.join()
    connection.close()
    os.close(browser_write)
    os.close(browser_read)


def test_a_failing_bidi_event_handler_fails_the_pending_call_at_once(caplog):
    """The same over WebDriver BiDi (wsrpc), against a loopback websocket server (wsproto)."""
    import socket

    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

    from awscli_saml_sso.browser import bidi

    listener = socket.create_server(("127.0.0.1", 0))

    def firefox():  # answers no command: sends an event for the first one instead
        sock, _ = listener.accept()
        ws = WSConnection(ConnectionType.SERVER)
        with sock:
            while data := sock.recv(65536):
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        sock.sendall(ws.send(AcceptConnection()))
                    elif isinstance(event, TextMessage):
                        note = {"type": "event", "method": "network.beforeRequestSent", "params": {}}
                        sock.sendall(ws.send(TextMessage(data=json.dumps(note))))
                    elif isinstance(event, CloseConnection):
                        return

    thread = threading.Thread(target=firefox, daemon=True)
    thread.start()

    def buggy(method, params):
        raise KeyError("request")

    connection = bidi.BidiConnection(f"ws://127.0.0.1:{listener.getsockname()[1]}/session", buggy)
    connection.open()
    began = time.monotonic()
    with caplog.at_level("ERROR", logger="awscli_saml_sso.browser.wsrpc"), pytest.raises(bidi.BidiError) as err:
        connection.call("network.addIntercept", {}, timeout=20)
    assert time.monotonic() - began < 5 and "event handler failed (KeyError)" in str(err.value)
    assert connection.failure and any(r.levelname == "ERROR" for r in caplog.records)
    with pytest.raises(bidi.BidiError):  # and every later command, without waiting
        connection.send("network.continueRequest", {})
    connection.close()
    listener.close()
