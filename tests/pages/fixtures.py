"""Fixtures shared by the browser test modules (Chromium and Firefox): the loopback IdP pages and
the listener standing where AWS would be. Imported by name into each module (module scope: one
of each per module, as before)."""

from __future__ import annotations

import pytest

from pages.idp import IdpServer
from pages.listeners import RecordingHttp


@pytest.fixture(scope="module")
def idp():
    server = IdpServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sink():
    listener = RecordingHttp()
    yield listener
    listener.close()
