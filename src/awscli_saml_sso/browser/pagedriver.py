"""A page driver over our own DevTools connection, with the small Selenium-shaped surface autofill
uses (``execute_script`` with element handles, windows, frames, ``get``, screenshots).

Targets: one browser-level auto-attach (flattened sessions) covers the first tab, popups and new
tabs; each page and out-of-process iframe also auto-attaches its own children. Every new target
waits for us (``waitForDebuggerOnStart``) while the attach hooks run (the capture enables
``Fetch`` there), and only then runs.

Scripts: ``execute_script(js, *args)`` runs ``js`` as a function body in the current document
with ``Runtime.callFunctionOn`` / ``Runtime.evaluate``, always in an isolated world of our own
(``Page.createIsolatedWorld``, one per document and frame, made again when a navigation destroyed
it): the page's replacements of ``JSON``, ``Object.keys``, ``Array.prototype``, getters or
globals do not reach our code. DOM nodes in the result, also nested in lists and dicts, come back
as :class:`Element` handles (remote object ids, with the frame they live in); ``origin_of`` says
that frame's origin as the browser knows it (its frame tree), not as the page tells it.

Typing (``send_keys``) follows no focus blindly: before each key the element must still have the
keyboard focus, in its frame, with that frame focused (checked in our world); else it is focused
once more, and if the focus goes away again nothing more is typed (:class:`FocusLost`).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from awscli_saml_sso.browser.cdp import CdpError, CdpTimeout, Connection
from awscli_saml_sso.browser.pageapi import (
    CSS_SELECTOR,
    ENTER,
    ClickIntercepted,
    NoSuchWindow,
    PageLoadTimeout,
)
from awscli_saml_sso.errors import BrowserError

log = logging.getLogger(__name__)

AttachHook = Callable[[str, dict[str, Any]], None]  # (sessionId, targetInfo)
FRAME_TYPES = {"page", "iframe"}
WORLD = "awscli-saml-sso"
CALL_TIMEOUT = 30.0
READ_TIMEOUT = 1.0  # screenshot, URL and source for diagnostics: never worth a long wait
ORIGIN_TIMEOUT = 5.0  # the frame tree, for the origin of a field
# What a page may hand us, whatever its size (a 100 MB page took the tool to 400 MB): strings,
# lists and objects in a script's result are cut, the source for diagnostics too.
MAX_STRING = 20_000
MAX_ITEMS = 500
MAX_SOURCE = 1_000_000
EL = "__awscli_saml_sso_element__"

# The result of the caller's function, with DOM nodes replaced by {EL: index}: a JSON string, or
# [json, node0, node1, ...] when there are nodes (their object ids are read in one more call).
WRAP = """function() {
const __value = (function() {
%s
}).apply(window, arguments);
const __nodes = [];
const __walk = (v, depth) => {
  if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') return null;
  if (typeof v === 'string') return v.length > %(string)d ? v.slice(0, %(string)d) : v;
  if (typeof v !== 'object') return v;
  if (depth > 20) return null;
  if (typeof v.nodeType === 'number' && typeof v.nodeName === 'string') {
    __nodes.push(v); return {%s: __nodes.length - 1};
  }
  if (Array.isArray(v) || (typeof v.length === 'number' && typeof v.item === 'function')) {
    return Array.prototype.slice.call(v, 0, %(items)d).map((x) => __walk(x, depth + 1));
  }
  const out = {};
  for (const k of Object.keys(v).slice(0, %(items)d)) out[k] = __walk(v[k], depth + 1);
  return out;
};
const __json = JSON.stringify(__walk(__value, 0));
return __nodes.length ? [__json, ...__nodes] : __json;
}"""
WRAP = WRAP.replace("%(string)d", str(MAX_STRING)).replace("%(items)d", str(MAX_ITEMS))

_CLICK_POINT = """function() {
  this.scrollIntoView({block: 'center', inline: 'center'});
  let top = false;
  try { top = window.top === window; } catch (e) { top = false; }
  const r = this.getBoundingClientRect();
  if (!top || r.width < 1 || r.height < 1) { this.click(); return 'clicked'; }
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || !(hit === this || this.contains(hit) || (hit.control && hit.control === this))) {
    return 'covered';
  }
  return [x, y];
}"""

# Focus, and note (in our world, where the page cannot see it) when the focus leaves again. The
# answer comes a moment later: a frame that takes the focus back on blur does so from a task of
# its own, and it must have run before the first key is checked and sent.
_FOCUS = """function() {
  this.__assBlurred = false;
  this.addEventListener('blur', () => { this.__assBlurred = true; }, {once: true});
  this.focus();
  if (typeof this.setSelectionRange === 'function') {
    try { const n = String(this.value || '').length; this.setSelectionRange(n, n); } catch (e) {}
  }
  return new Promise((done) => setTimeout(done, 30));
}"""

# Does the keyboard focus rest on this element, in a focused frame, since we focused it? Through
# shadow roots (each host must be its root's active element) up to the document.
_HAS_FOCUS = """function() {
  if (this.__assBlurred !== false || !this.isConnected) return false;
  let node = this;
  let root = node.getRootNode();
  while (root instanceof ShadowRoot) {
    if (root.activeElement !== node) return false;
    node = root.host;
    root = node.getRootNode();
  }
  return root === document && document.activeElement === node && document.hasFocus();
}"""

_CLEAR = """function() {
  this.focus();
  if (this.isContentEditable) { this.textContent = ''; }
  else {
    const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(this), 'value');
    if (d && d.set) { d.set.call(this, ''); } else { this.value = ''; }
  }
  this.dispatchEvent(new Event('input', {bubbles: true}));
  this.dispatchEvent(new Event('change', {bubbles: true}));
}"""

_OLD_MARK = "__awscli_saml_sso_old_document__"
_LOADED = f"document.readyState === 'complete' && !window.{_OLD_MARK}"

_SOURCE = (
    "return ((document.doctype ? new XMLSerializer().serializeToString(document.doctype) "
    f": '') + document.documentElement.outerHTML).slice(0, {MAX_SOURCE});"
)


@dataclasses.dataclass
class Target:
    target_id: str
    session: str
    type: str
    parent: str | None  # the session that attached it (None: browser level)
    loaded: threading.Event = dataclasses.field(default_factory=threading.Event)


@dataclasses.dataclass(frozen=True)
class Realm:
    """Where a script runs: a session, and a frame in it (its top frame's id is the target's)."""

    session: str
    frame: str


class FocusLost(BrowserError):
    """The keyboard focus left the element being typed into: nothing more was typed."""


def ensure_focus(call: Callable[[str], Any]) -> None:
    """Before a key: the element (``call`` runs a function on it, in our world) holds the focus in
    a focused frame; refocused once; else :class:`FocusLost` and nothing more is typed. The
    Chromium driver's and Firefox's sandbox driver's elements share it."""
    if call(_HAS_FOCUS):
        return
    call(_FOCUS)  # once more: a page may move the focus while it settles
    if not call(_HAS_FOCUS):
        raise FocusLost(
            "stopped typing: something on the page took the keyboard focus away from the field",
            hint="the page (or a frame in it) may be trying to catch what is typed; log in with --show-browser",
        )


class Element:
    """A DOM node in the page: a remote object id in one session, in one frame."""

    def __init__(self, driver: CdpDriver, session: str, object_id: str, frame: str = "") -> None:
        self._driver = driver
        self.session = session
        self.object_id = object_id
        self.frame = frame
        self.origin: str | None = None  # the frame's origin when it was checked (origin_of)

    def _call(self, function: str, *args: Any) -> Any:
        return self._driver._call_on(self, function, list(args))

    def click(self) -> None:
        point = self._call(_CLICK_POINT)
        if point == "covered":
            raise ClickIntercepted("element click intercepted: something else is on top of it")
        if isinstance(point, list):
            x, y = point
            page = self._driver._page_session(self.session)
            for kind in ("mousePressed", "mouseReleased"):
                self._driver._cmd(
                    "Input.dispatchMouseEvent",
                    {
                        "type": kind,
                        "x": x,
                        "y": y,
                        "button": "left",
                        "clickCount": 1,
                    },
                    page,
                )

    def send_keys(self, text: str) -> None:
        """Type ``text`` with key events, each only while this element has the focus (see the
        module's docstring); the frame's origin is checked again first if it was checked."""
        if self.origin is not None and self._driver.origin_of(self, remember=False) != self.origin:
            raise FocusLost("the page moved on before the typing: nothing was typed")
        self._call(_FOCUS)
        page = self._driver._page_session(self.session)
        keys = _key_events(text)
        for index, (down, up) in enumerate(keys):
            self._ensure_focus()
            # Input events are answered once the page has handled them: awaited, the key has
            # landed before the next check (a script call takes another path and could overtake
            # it), and the last key up before the next field's focus.
            self._driver._cmd("Input.dispatchKeyEvent", down, page)
            if index == len(keys) - 1:
                self._driver._cmd("Input.dispatchKeyEvent", up, page)
            else:
                self._driver.connection.send("Input.dispatchKeyEvent", up, page)

    def _ensure_focus(self) -> None:
        ensure_focus(self._call)

    def clear(self) -> None:
        self._call(_CLEAR)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Element) and other.object_id == self.object_id

    def __hash__(self) -> int:
        return hash(self.object_id)


class _SwitchTo:
    def __init__(self, driver: CdpDriver) -> None:
        self._driver = driver

    def window(self, handle: str) -> None:
        self._driver._switch_window(handle)

    def frame(self, element: Element) -> None:
        self._driver._switch_frame(element)

    def default_content(self) -> None:
        self._driver._realm = None


class CdpDriver:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.RLock()  # attaching vs. adding hooks
        self._targets: dict[str, Target] = {}  # sessionId -> target, in attach order
        self._hooks: list[AttachHook] = []
        self._current: str | None = None  # the window's targetId
        self._realm: Realm | None = None  # a frame switched to, or None: the window's top frame
        self._worlds: dict[tuple[str, str], int] = {}  # (session, frame) -> our world's context
        self.deadline: float | None = None  # the login's end (monotonic), set by autofill
        self._page_load_timeout = 300.0
        self._navigating = False  # our get() gave up waiting on the page (it may still come)
        self._attached = threading.Condition()
        self.switch_to = _SwitchTo(self)
        self.capabilities: dict[str, Any] = {}
        connection.on("Target.attachedToTarget", self._on_attached)
        connection.on("Target.detachedFromTarget", self._on_detached)
        connection.on("Page.loadEventFired", self._on_load)
        connection.on("Page.javascriptDialogOpening", self._on_dialog)
        connection.on("Page.frameNavigated", self._on_navigated)

    # ---- start --------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Ask for the browser's version (the first answer: it is up) and attach to its tab."""
        version = self.connection.call("Browser.getVersion", timeout=timeout)
        log.debug("browser answered: %s", version.get("product"))
        self.capabilities["browserVersion"] = str(version.get("product", "")).split("/")[-1]
        self.connection.call(
            "Target.setAutoAttach",
            {
                "autoAttach": True,
                "waitForDebuggerOnStart": True,
                "flatten": True,
            },
        )
        with self._attached:
            self._attached.wait_for(lambda: self.window_handles or self.connection.failure, timeout=timeout)
        handles = self.window_handles
        if not handles:
            raise CdpError(self.connection.failure or "the browser opened no tab", closed=True)
        self._current = handles[0]

    def add_attach_hook(self, hook: AttachHook) -> None:
        """Run ``hook`` for each attached target from now on (before it runs) and, at once, for
        those already attached."""
        with self._lock:
            self._hooks.append(hook)
            for session, target in list(self._targets.items()):
                hook(session, {"targetId": target.target_id, "type": target.type})

    # ---- events -------------------------------------------------------------------------------

    def _on_attached(self, event: dict[str, Any]) -> None:
        params = event["params"]
        session, info = params["sessionId"], params["targetInfo"]
        waiting = params.get("waitingForDebugger", False)
        try:
            with self._lock:
                duplicate = any(t.target_id == info["targetId"] for t in self._targets.values())
                if info["type"] in FRAME_TYPES and not duplicate:
                    self._setup(session, info, event.get("sessionId"))
        finally:
            if waiting:
                self.connection.send("Runtime.runIfWaitingForDebugger", None, session)
        if duplicate:
            self.connection.send("Target.detachFromTarget", {"sessionId": session})
        with self._attached:
            self._attached.notify_all()

    def _setup(self, session: str, info: dict[str, Any], parent: str | None) -> None:
        log.debug("attached to %s", info["type"])
        self._targets[session] = Target(info["targetId"], session, info["type"], parent)
        send = self.connection.send
        send("Page.enable", None, session)  # load events; new documents (our world goes with the old)
        if info["type"] == "page":  # the focus check asks document.hasFocus(): true for the page
            send("Emulation.setFocusEmulationEnabled", {"enabled": True}, session)  # in the background too
        # out-of-process iframes are targets of their own: attach to them too, before they run
        send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}, session)
        for hook in self._hooks:
            hook(session, info)

    def _on_detached(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._targets.pop(event["params"].get("sessionId", ""), None)

    def _on_load(self, event: dict[str, Any]) -> None:
        target = self._targets.get(event.get("sessionId", ""))
        if target is not None:
            target.loaded.set()

    def _on_navigated(self, event: dict[str, Any]) -> None:
        frame = event["params"].get("frame", {}).get("id", "")
        self._worlds.pop((event.get("sessionId", ""), frame), None)

    def _on_dialog(self, event: dict[str, Any]) -> None:
        # alert/confirm/beforeunload would block the page for good: accept, as a person would
        self.connection.send("Page.handleJavaScriptDialog", {"accept": True}, event.get("sessionId"))

    # ---- windows and frames -------------------------------------------------------------------

    @property
    def window_handles(self) -> list[str]:
        return [t.target_id for t in list(self._targets.values()) if t.type == "page"]

    @property
    def current_window_handle(self) -> str:
        if self._current is None or self._current not in self.window_handles:
            raise NoSuchWindow("no such window: the window has closed")
        return self._current

    def _switch_window(self, handle: str) -> None:
        if handle not in self.window_handles:
            raise NoSuchWindow(f"no such window: {handle}")
        self._current, self._realm = handle, None

    def _window_session(self) -> str:
        handle = self.current_window_handle
        for session, target in list(self._targets.items()):
            if target.target_id == handle:
                return session
        raise NoSuchWindow("no such window: the window has closed")

    def _page_session(self, session: str) -> str:
        """The page a (frame's) session belongs to: input events go to the page."""
        seen = 0
        target = self._targets.get(session)
        while target is not None and target.type != "page" and target.parent and seen < 10:
            session, target, seen = target.parent, self._targets.get(target.parent), seen + 1
        return session

    def _switch_frame(self, element: Element) -> None:
        node = self._cmd("DOM.describeNode", {"objectId": element.object_id}, element.session)["node"]
        frame_id = node.get("frameId")
        if not frame_id:
            raise CdpError("no such frame: the element is not a frame")
        for session, target in list(self._targets.items()):
            if target.target_id == frame_id:  # out of process: a target of its own
                self._realm = Realm(session, frame_id)
                return
        self._realm = Realm(element.session, frame_id)

    def _world(self, realm: Realm, fresh: bool = False) -> int:
        """Our isolated world's execution context in the realm's frame (its current document)."""
        key = (realm.session, realm.frame)
        if fresh or key not in self._worlds:
            world = self._cmd("Page.createIsolatedWorld", {"frameId": realm.frame, "worldName": WORLD}, realm.session)
            self._worlds[key] = int(world["executionContextId"])
        return self._worlds[key]

    def _top_realm(self) -> Realm:
        session = self._window_session()
        return Realm(session, self._targets[session].target_id)

    def origin_of(self, element: Element, remember: bool = True) -> str:
        """The origin of the frame ``element`` lives in, from the browser's frame tree (never
        from page script); "" for an opaque origin. ``remember``: kept on the element, and
        ``send_keys`` checks that it is still so right before typing."""
        tree = self._cmd("Page.getFrameTree", None, element.session, ORIGIN_TIMEOUT)["frameTree"]
        found = _find_frame(tree, element.frame)
        origin = str((found or {}).get("securityOrigin") or "")
        origin = "" if origin in ("null", "://") else origin
        if remember:
            element.origin = origin
        return origin

    # ---- scripts ------------------------------------------------------------------------------

    def _cmd(
        self, method: str, params: dict[str, Any] | None, session: str | None, timeout: float = CALL_TIMEOUT
    ) -> dict[str, Any]:
        if self.deadline is not None and timeout > READ_TIMEOUT:  # none outlives --timeout by much
            timeout = max(0.1, min(timeout, self.deadline + 0.2 - time.monotonic()))
        return self.connection.call(method, params, session, timeout)

    def execute_script(self, script: str, *args: Any) -> Any:
        function = WRAP % (script, json.dumps(EL))
        element = next((a for a in args if isinstance(a, Element)), None)
        if element is not None:  # runs in the element's own context: our world, where it was found
            realm = Realm(element.session, element.frame)
            answer = self._function_on(element, function, args, awaitPromise=True)
        else:  # one round trip: the arguments are plain JSON
            realm = self._realm or self._top_realm()
            params: dict[str, Any] = {
                "expression": f"({function}).apply(window, {json.dumps(list(args))})",
                "awaitPromise": True,
                "userGesture": True,
            }
            try:
                answer = self._cmd("Runtime.evaluate", {**params, "contextId": self._world(realm)}, realm.session)
            except CdpError as exc:
                if "context" not in exc.msg.lower():
                    raise
                # our world went with its document (a navigation): the new document's, once
                answer = self._cmd("Runtime.evaluate", {**params, "contextId": self._world(realm, True)}, realm.session)
        return self._result(answer, realm)

    def _call_on(self, element: Element, function: str, args: list[Any]) -> Any:
        answer = self._function_on(element, function, args, returnByValue=True, awaitPromise=True)
        _raise_exception(answer)
        return answer.get("result", {}).get("value")

    def _function_on(self, element: Element, function: str, args: Any, **options: bool) -> dict[str, Any]:
        """``Runtime.callFunctionOn`` in the element's own context, as a user gesture."""
        params = {
            "functionDeclaration": function,
            "objectId": element.object_id,
            "arguments": [_argument(a) for a in args],
            "userGesture": True,
            **options,
        }
        return self._cmd("Runtime.callFunctionOn", params, element.session)

    def _result(self, answer: dict[str, Any], realm: Realm) -> Any:
        _raise_exception(answer)
        result = answer.get("result", {})
        if result.get("type") == "string":
            return json.loads(result["value"])
        object_id = result.get("objectId")
        if not object_id:
            return None
        session = realm.session
        props = self._cmd("Runtime.getProperties", {"objectId": object_id, "ownProperties": True}, session)
        self.connection.send("Runtime.releaseObject", {"objectId": object_id}, session)
        by_index = {p["name"]: p.get("value", {}) for p in props.get("result", [])}
        nodes = {
            int(name) - 1: Element(self, session, value["objectId"], realm.frame)
            for name, value in by_index.items()
            if name.isdigit() and int(name) > 0 and value.get("objectId")
        }
        return _revive(json.loads(by_index["0"]["value"]), nodes)

    def find_elements(self, by: str, selector: str) -> list[Element]:
        if by != CSS_SELECTOR:
            raise CdpError(f"unsupported locator {by!r}")
        found = self.execute_script("return Array.from(document.querySelectorAll(arguments[0]))", selector)
        return [e for e in found or [] if isinstance(e, Element)]

    # ---- navigation and the rest --------------------------------------------------------------

    def set_page_load_timeout(self, seconds: float) -> None:
        self._page_load_timeout = float(seconds)

    def get(self, url: str) -> None:
        """Navigate the window and wait for the new document's load event. The event alone is
        not enough: it is sometimes not sent for the first navigation of a fresh tab, so the
        document is also asked (the old one carries a mark the new one lacks)."""
        session = self._window_session()
        self._realm = None
        target = self._targets[session]
        deadline = time.monotonic() + self._page_load_timeout
        self._cmd("Runtime.evaluate", {"expression": f"window.{_OLD_MARK} = true"}, session)
        target.loaded.clear()
        try:  # answered once the response starts: a server that never answers is a slow page
            answer = self._cmd("Page.navigate", {"url": url}, session, max(0.1, deadline - time.monotonic()))
        except CdpTimeout:
            self._navigating = True
            raise PageLoadTimeout(
                f"timeout: {url.split('?')[0]} did not answer within {self._page_load_timeout:g} s"
            ) from None
        if answer.get("errorText"):
            raise CdpError(f"unknown error: {answer['errorText']}")
        if not answer.get("loaderId"):  # same document: nothing loads
            return
        log.debug("navigation committed")
        while True:
            # The load event only says "look now": the old document's (about:blank's) may arrive
            # after the navigation committed, so only the document itself decides (it lacks the
            # old one's mark and is complete). Seen: the check for an error page read about:blank.
            if target.loaded.wait(0.05):
                target.loaded.clear()
            with contextlib.suppress(CdpError):  # a context destroyed by the navigation
                wait = max(0.1, min(5.0, deadline - time.monotonic()))  # a busy page: not past the deadline
                state = self._cmd("Runtime.evaluate", {"expression": _LOADED, "returnByValue": True}, session, wait)
                if state.get("result", {}).get("value") is True:
                    log.debug("page loaded (document complete)")
                    return
            if time.monotonic() >= deadline:
                self._navigating = True
                raise PageLoadTimeout(
                    f"timeout: page load of {url.split('?')[0]} took longer than {self._page_load_timeout:g} s"
                )

    @property
    def current_url(self) -> str:
        session = self._settled_window()
        answer = self._cmd(
            "Runtime.evaluate", {"expression": "location.href", "returnByValue": True}, session, READ_TIMEOUT
        )
        return str(answer.get("result", {}).get("value", ""))

    @property
    def page_source(self) -> str:
        session = self._settled_window()
        answer = self._cmd(
            "Runtime.evaluate",
            {"expression": f"(function() {{ {_SOURCE} }})()", "returnByValue": True},
            session,
            READ_TIMEOUT,
        )
        return str(answer.get("result", {}).get("value", ""))

    def get_screenshot_as_png(self) -> bytes:
        answer = self._cmd("Page.captureScreenshot", {"format": "png"}, self._settled_window(), READ_TIMEOUT)
        return base64.b64decode(answer["data"])

    def _settled_window(self) -> str:
        """The window's session, for reading it as it is (diagnostics): while our own ``get``
        is still waiting on a server that does not answer, Chromium holds back every command to
        the page until the navigation commits; that navigation is stopped first."""
        session = self._window_session()
        target = self._targets.get(session)
        if target is not None and self._navigating and not target.loaded.is_set():
            self.connection.send("Page.stopLoading", None, session)
            self._navigating = False
        return session

    def execute_cdp_cmd(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A browser-level DevTools command (e.g. ``Storage.getCookies``)."""
        return self._cmd(method, params or {}, None)

    def quit(self, timeout: float = 3.0) -> None:
        """Ask the browser to close (it exits on its own); the caller ends the process."""
        with_deadline = time.monotonic() + timeout
        try:
            self._cmd("Browser.close", None, None, max(0.1, with_deadline - time.monotonic()))
        except CdpError:  # it closed the connection on its way out, or is already gone
            pass


def _key_events(text: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(key down, key up) for each character; Enter for WebDriver's ENTER and RETURN."""
    keys = []
    for char in text:
        if char in (ENTER, "\ue006"):  # ENTER, RETURN
            enter = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
            keys.append(
                ({"type": "keyDown", **enter, "text": "\r", "unmodifiedText": "\r"}, {"type": "keyUp", **enter})
            )
        elif not "\ue000" <= char <= "\ue0ff":  # another WebDriver special key: not used here
            keys.append(
                ({"type": "keyDown", "key": char, "text": char, "unmodifiedText": char}, {"type": "keyUp", "key": char})
            )
    return keys


def _argument(value: Any) -> dict[str, Any]:
    if isinstance(value, Element):
        return {"objectId": value.object_id}
    return {"value": value}


def _find_frame(tree: dict[str, Any], frame: str) -> dict[str, Any] | None:
    if tree.get("frame", {}).get("id") == frame:
        return dict(tree["frame"])
    for child in tree.get("childFrames", []):
        found = _find_frame(child, frame)
        if found is not None:
            return found
    return None


def _revive(value: Any, nodes: dict[int, Element]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and EL in value:
            return nodes.get(int(value[EL]))
        return {k: _revive(v, nodes) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v, nodes) for v in value]
    return value


def _raise_exception(answer: dict[str, Any]) -> None:
    details = answer.get("exceptionDetails")
    if details:
        text = (details.get("exception") or {}).get("description") or details.get("text", "")
        raise CdpError(f"javascript error: {str(text).splitlines()[0][:200] if text else ''}")
