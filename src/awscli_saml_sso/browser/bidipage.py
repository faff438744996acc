"""Firefox's page driver for autofill: Selenium for windows, frames, navigation and clicks, and
every script of ours in a WebDriver BiDi sandbox realm (``script.callFunction`` with target
``{context, sandbox}``), as :mod:`pagedriver` does with isolated worlds on Chromium.

A sandbox sees the page's DOM through Xray wrappers: the page's replacements of ``JSON``,
``Object.keys``, ``Array.prototype``, getters or globals do not reach our code, so what the page
reads come back as the page is, not as its script says. DOM nodes come back as BiDi node
references (``sharedId``, which is also Selenium's element id in Firefox) wrapped in
:class:`Element`, with the browsing context they live in; ``origin_of`` takes that context's URL
from the browser's tree (``browsingContext.getTree``), not from page script.

Typing (``Element.send_keys``) goes one key at a time, each only while the element still has the
keyboard focus in a focused document (checked in the sandbox, where the page cannot see or change
the check); refocused once, then :class:`pagedriver.FocusLost`. ``document.hasFocus()`` holds
in a window in the background too (Marionette sets ``focusmanager.testmode``), as Chromium's focus
emulation does for :mod:`pagedriver`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from selenium.webdriver.remote.webelement import WebElement

from awscli_saml_sso import origins
from awscli_saml_sso.browser.bidi import BidiConnection, BidiError
from awscli_saml_sso.browser.cdp import CdpError
from awscli_saml_sso.browser.pageapi import CSS_SELECTOR
from awscli_saml_sso.browser.pagedriver import (
    _FOCUS,
    CALL_TIMEOUT,
    EL,
    ORIGIN_TIMEOUT,
    WRAP,
    FocusLost,
    _revive,
    ensure_focus,
)

SANDBOX = "awscli-saml-sso"
_FRAME_CONTEXT = "function() { return this.contentWindow; }"
_ORIGIN = "function() { return String(window.origin); }"  # the sandbox's view: not the page's to change


class Element(WebElement):
    """A DOM node: Selenium's element (same id as the BiDi ``sharedId``) in one browsing context."""

    def __init__(self, driver: SandboxDriver, shared_id: str, context: str) -> None:
        super().__init__(driver.selenium, shared_id)
        self.page = driver
        self.context = context
        self.origin: str | None = None  # the context's origin when it was checked (origin_of)

    def _call(self, function: str) -> Any:
        return self.page.call(self.context, function, [], this=self)

    def send_keys(self, *value: Any) -> None:
        """One key at a time, each while this element has the focus (see the module's docstring);
        the context's origin is checked again first if it was checked."""
        text = "".join(str(v) for v in value)
        if self.origin is not None and self.page.origin_of(self, remember=False) != self.origin:
            raise FocusLost("the page moved on before the typing: nothing was typed")
        self._call(_FOCUS)
        for char in text:
            self._ensure_focus()
            super().send_keys(char)

    def _ensure_focus(self) -> None:
        ensure_focus(self._call)


class _SwitchTo:
    """Selenium's switches (its element commands need them), and the BiDi context to run in."""

    def __init__(self, driver: SandboxDriver) -> None:
        self._driver = driver

    def window(self, handle: str) -> None:
        self._driver.selenium.switch_to.window(handle)
        self._driver.frame = None

    def frame(self, element: Element) -> None:
        found = self._driver.call(self._driver.context(), _FRAME_CONTEXT, [], this=element, raw=True)
        context = (found.get("value") or {}).get("context") if found.get("type") == "window" else None
        if not context:
            raise CdpError("no such frame: the element is not a frame")
        self._driver.selenium.switch_to.frame(element)
        self._driver.frame = str(context)

    def default_content(self) -> None:
        self._driver.selenium.switch_to.default_content()
        self._driver.frame = None


class SandboxDriver:
    """The Selenium driver, with ``execute_script``, ``find_elements``, ``switch_to`` and
    ``origin_of`` of its own over the capture's BiDi connection; the rest is Selenium's."""

    def __init__(self, selenium: Any, connection: BidiConnection) -> None:
        self.selenium = selenium
        self.connection = connection
        self.frame: str | None = None  # the frame switched to (a BiDi context), None: the window
        self.deadline: float | None = None  # set by autofill: no call outlives the login by much
        self.switch_to = _SwitchTo(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.selenium, name)

    def context(self) -> str:
        # Firefox's window handles are the BiDi ids of the top-level contexts
        return self.frame or str(self.selenium.current_window_handle)

    def execute_script(self, script: str, *args: Any) -> Any:
        element = next((a for a in args if isinstance(a, Element)), None)
        context = element.context if element is not None else self.context()
        result = self.call(context, WRAP % (script, json.dumps(EL)), list(args), raw=True)
        if result.get("type") == "string":
            return json.loads(result["value"])
        if result.get("type") != "array":
            return None
        items = result.get("value") or []
        nodes = {
            index: Element(self, str(item["sharedId"]), context)
            for index, item in enumerate(items[1:])
            if item.get("type") == "node" and item.get("sharedId")
        }
        return _revive(json.loads(items[0].get("value", "null")), nodes) if items else None

    def find_elements(self, by: str, selector: str) -> list[Element]:
        if by != CSS_SELECTOR:
            raise CdpError(f"unsupported locator {by!r}")
        found = self.execute_script("return Array.from(document.querySelectorAll(arguments[0]))", selector)
        return [e for e in found or [] if isinstance(e, Element)]

    def call(self, context: str, function: str, args: list[Any], this: Element | None = None, raw: bool = False) -> Any:
        """``script.callFunction`` in our sandbox of ``context``, as a user activation; the
        serialized result (``raw``) or its plain value."""
        params: dict[str, Any] = {
            "functionDeclaration": function,
            "target": {"context": context, "sandbox": SANDBOX},
            "arguments": [_local(a) for a in args],
            "awaitPromise": True,
            "resultOwnership": "none",
            "serializationOptions": {"maxDomDepth": 0, "maxObjectDepth": 1},
            "userActivation": True,
        }
        if this is not None:
            params["this"] = {"sharedId": this.id}
        answer = self._call("script.callFunction", params, CALL_TIMEOUT)
        if answer.get("type") == "exception":
            details = answer.get("exceptionDetails") or {}
            text = str(details.get("text") or "")
            raise CdpError(f"javascript error: {text.splitlines()[0][:200] if text else ''}")
        result = dict(answer.get("result") or {})
        return result if raw else result.get("value")

    def origin_of(self, element: Element, remember: bool = True) -> str:
        """The origin of the context ``element`` lives in, from the browser's tree of contexts
        (never from page script); "" for an opaque origin. A document without an http(s) URL
        (about:blank, about:srcdoc) has its origin from its creator: read as ``window.origin``
        in our sandbox, which the page cannot change. ``remember``: kept on the element, and
        ``send_keys`` checks that it is still so right before typing."""
        tree = self._call("browsingContext.getTree", {"root": element.context}, ORIGIN_TIMEOUT)
        url = str(((tree.get("contexts") or [{}])[0]).get("url") or "")
        origin = origins.origin_of(url)
        if origin is None and url.split("?")[0].split("#")[0] in ("about:blank", "about:srcdoc"):
            origin = origins.origin_of(str(self.call(element.context, _ORIGIN, []) or ""))
        origin = origin or ""
        if remember:
            element.origin = origin
        return origin

    def _call(self, method: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.deadline is not None:  # none outlives --timeout by much
            timeout = max(0.1, min(timeout, self.deadline + 0.2 - time.monotonic()))
        try:
            return self.connection.call(method, params, timeout)
        except BidiError as exc:  # a context or node gone with its document: look again
            raise CdpError(str(exc)) from exc


def _local(value: Any) -> dict[str, Any]:
    """A BiDi ``script.LocalValue`` for an argument."""
    if isinstance(value, Element):
        return {"sharedId": value.id}
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, list | tuple):
        return {"type": "array", "value": [_local(v) for v in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(k), _local(v)] for k, v in value.items()]}
    raise TypeError(f"cannot pass {type(value).__name__} to a page script")
