"""HTML forms as a browser would submit them, read from static HTML: pure, bytes in, values out.

What the plain-HTTP engine needs from a page it did not render:

- ``parse(html, url)``: the page's forms, each with its absolute action (``<base href>`` and
  ``formaction`` honoured), method, controls (a control joins the form its ``form=`` attribute
  names, else the form it is in), labels (``for=`` or wrapping), and the page's signals that
  script is at work (``onsubmit``, a submit control with ``onclick``, a form without controls
  that script fills).
- ``encode(form, fills, submitter)``: the request the browser would send, by the
  successful-controls rule of HTML: disabled controls (a disabled fieldset included) are left
  out, checkboxes and radios only when checked, only the clicked submit button, the first option
  of a single select when none is selected.
- ``saml_post(page)``: the auto-posting form that carries a ``SAMLResponse`` (the IdP's answer
  for AWS), never sent anywhere by the engine.
- ``auto_submit(page)``: the form a page submits by itself on load (hidden fields only, and a
  script that submits it, a ``<noscript>`` button for browsers without script, or
  ``onload=submit``), which the engine submits as the browser would.
- ``meta_refresh(page)``: the URL of a ``<meta http-equiv=refresh>`` redirect.

Nothing here fetches, and nothing here decides what to type: that is the page model's work.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from awscli_saml_sso.origins import origin_of

SUBMIT_TYPES = frozenset({"submit", "image"})
BUTTON_TYPES = frozenset({"submit", "image", "button", "reset"})
NOT_SENT = frozenset({"button", "reset", "file"}) | SUBMIT_TYPES
MAX_HTML = 5_000_000  # a login page is kilobytes: a larger answer is cut (never read whole)
_SUBMIT_CALL = re.compile(r"\.submit\s*\(|requestSubmit\s*\(|\.click\s*\(")
_REFRESH = re.compile(r"^\s*\d*(?:\.\d+)?\s*[;,]?\s*(?:url\s*=\s*)?(['\"]?)(?P<url>.+?)\1\s*$", re.I | re.S)


@dataclasses.dataclass(frozen=True)
class Control:
    """A form control: ``input``, ``select``, ``textarea`` or ``button``."""

    tag: str
    type: str  # input type (lower case), "select", "select-multiple", "textarea", or a button type
    name: str
    value: str
    checked: bool = False
    disabled: bool = False
    autocomplete: str = ""
    label: str = ""
    element_id: str = ""
    readonly: bool = False
    formaction: str | None = None  # submit buttons only: absolute URL
    formmethod: str | None = None
    text: str = ""  # a button's text
    options: tuple[tuple[str, bool, bool], ...] = ()  # select: (value, selected, disabled)
    onclick: bool = False

    @property
    def is_submit(self) -> bool:
        return self.type in SUBMIT_TYPES and self.tag in ("input", "button")


@dataclasses.dataclass(frozen=True)
class Form:
    index: int
    action: str  # absolute
    method: str  # "GET" or "POST"
    enctype: str
    controls: tuple[Control, ...]
    element_id: str = ""
    name: str = ""
    target: str = ""
    onsubmit: str = ""  # the handler's source, "" without one

    @property
    def submitters(self) -> tuple[Control, ...]:
        return tuple(c for c in self.controls if c.is_submit and not c.disabled)

    def field(self, name: str) -> Control | None:
        return next((c for c in self.controls if c.name == name), None)


@dataclasses.dataclass(frozen=True)
class Page:
    url: str
    base: str
    title: str
    forms: tuple[Form, ...]
    refresh: str | None = None  # absolute URL of a meta refresh
    scripts: tuple[str, ...] = ()  # inline scripts' text (what submits a form on load)
    body_onload: str = ""
    noscript: str = ""  # the text of <noscript> blocks


INVALID = "about:invalid"  # where a URL the page gives cannot be parsed (never fetched, never posted)


def join(base: str, ref: str) -> str:
    """``urljoin`` that never raises: a URL Python cannot parse ("http://[::1") is ``INVALID``."""
    try:
        joined = urljoin(base, ref)
        urlsplit(joined).port  # noqa: B018 - a bad port raises only when read
        return joined
    except ValueError:
        return INVALID


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def decode(body: bytes, content_type: str = "") -> str:
    """The page's text, in the encoding its Content-Type, else its <meta charset>, names; else
    UTF-8, else windows-1252 (what browsers fall back to)."""
    names = []
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type or "", re.I)
    if match:
        names.append(match.group(1))
    match = _CHARSET.search(body[:2048])
    if match:
        names.append(match.group(1).decode("ascii", "replace"))
    for name in (*names, "utf-8"):
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", "replace")


def root_of(html: bytes | str):  # -> lxml element or None
    """The parsed document; None for an empty or unparsable page (never an exception)."""
    from lxml import etree
    from lxml import html as lxml_html

    text = decode(html[:MAX_HTML]) if isinstance(html, bytes) else html[:MAX_HTML]
    # lxml refuses a str with an XML encoding declaration; the text is decoded already
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def parse(html: bytes | str, url: str, root=None) -> Page:
    """The page's forms and signals. Garbage gives a page without forms, never an exception."""
    root = root if root is not None else root_of(html)
    if root is None:
        return Page(url=url, base=url, title="", forms=())
    base = url
    for node in root.iter("base"):
        href = (node.get("href") or "").strip()
        if href:
            base = join(url, href)
            break
    title = " ".join(" ".join(t.text_content() for t in root.iter("title")).split())
    labels = _labels(root)
    form_nodes = list(root.iter("form"))
    by_id = {f.get("id"): i for i, f in enumerate(form_nodes) if f.get("id")}
    members: list[list[Control]] = [[] for _ in form_nodes]
    for node in root.iter("input", "select", "textarea", "button"):
        index = _owner(node, form_nodes, by_id)
        if index is not None:
            members[index].append(_control(node, base, labels))
    forms = tuple(_form(i, node, tuple(members[i]), base) for i, node in enumerate(form_nodes))
    scripts = tuple((s.text or "") for s in root.iter("script") if not s.get("src"))
    body = next(iter(root.iter("body")), None)
    noscript = " ".join(" ".join(n.text_content() for n in root.iter("noscript")).split())
    return Page(
        url=url,
        base=base,
        title=title,
        forms=forms,
        refresh=_refresh(root, base),
        scripts=scripts,
        body_onload=(body.get("onload") or "") if body is not None else "",
        noscript=noscript,
    )


def _owner(node, forms: list, by_id: dict[str, int]) -> int | None:
    named = node.get("form")
    if named is not None:
        return by_id.get(named)
    parent = node.getparent()
    while parent is not None:
        if parent.tag == "form":
            return forms.index(parent)
        parent = parent.getparent()
    return None


def _labels(root) -> dict[str, str]:
    found: dict[str, str] = {}
    for label in root.iter("label"):
        target = label.get("for")
        if target:
            found.setdefault(target, _text(label))
    return found


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _disabled(node) -> bool:
    if node.get("disabled") is not None:
        return True
    parent, child = node.getparent(), node
    while parent is not None:
        if parent.tag == "fieldset" and parent.get("disabled") is not None:
            # a control inside the fieldset's first legend stays enabled
            legend = next((c for c in parent if getattr(c, "tag", None) == "legend"), None)
            if legend is None or not (child is legend or legend in child.iterancestors()):
                return True
        child, parent = parent, parent.getparent()
    return False


def _label_of(node, labels: dict[str, str]) -> str:
    element_id = node.get("id") or ""
    if element_id and element_id in labels:
        return labels[element_id]
    for parent in node.iterancestors():
        if parent.tag == "label":
            return _text(parent)
        if parent.tag == "form":
            break
    return (node.get("aria-label") or node.get("placeholder") or node.get("title") or "").strip()


def _control(node, base: str, labels: dict[str, str]) -> Control:
    tag = node.tag
    if tag == "input":
        kind = (node.get("type") or "text").strip().lower() or "text"
        value = node.get("value")
        if value is None:
            value = "on" if kind in ("checkbox", "radio") else ""
    elif tag == "select":
        kind = "select-multiple" if node.get("multiple") is not None else "select"
        value = ""
    elif tag == "textarea":
        kind, value = "textarea", node.text or ""
    else:  # button: a submit button unless it says otherwise
        kind = (node.get("type") or "submit").strip().lower()
        kind = kind if kind in BUTTON_TYPES else "submit"
        value = node.get("value") or ""
    options: tuple[tuple[str, bool, bool], ...] = ()
    if tag == "select":
        options = tuple(
            (
                o.get("value") if o.get("value") is not None else _text(o),
                o.get("selected") is not None,
                o.get("disabled") is not None,
            )
            for o in node.iter("option")
        )
    formaction = node.get("formaction")
    return Control(
        tag=tag,
        type=kind,
        name=node.get("name") or "",
        value=value,
        checked=node.get("checked") is not None,
        disabled=_disabled(node),
        autocomplete=(node.get("autocomplete") or "").strip().lower(),
        label=_label_of(node, labels),
        element_id=node.get("id") or "",
        readonly=node.get("readonly") is not None,
        formaction=join(base, formaction.strip()) if formaction is not None and formaction.strip() else None,
        formmethod=(node.get("formmethod") or "").strip().upper() or None,
        text=_text(node) if tag == "button" else (value if kind in SUBMIT_TYPES else ""),
        options=options,
        onclick=bool((node.get("onclick") or "").strip()),
    )


def _form(index: int, node, controls: tuple[Control, ...], base: str) -> Form:
    action = (node.get("action") or "").strip()
    method = (node.get("method") or "GET").strip().upper()
    return Form(
        index=index,
        action=join(base, action) if action else base,
        method="POST" if method == "POST" else "GET",
        enctype=(node.get("enctype") or "application/x-www-form-urlencoded").strip().lower(),
        controls=controls,
        element_id=node.get("id") or "",
        name=node.get("name") or "",
        target=(node.get("target") or "").strip(),
        onsubmit=(node.get("onsubmit") or "").strip(),
    )


def _refresh(root, base: str) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        match = _REFRESH.match(meta.get("content") or "")
        if match and match.group("url").strip():
            return join(base, match.group("url").strip())
    return None


# ---- what a submit sends ------------------------------------------------------------------------


def successful(
    form: Form, fills: dict[str, str] | None = None, submitter: Control | None = None
) -> list[tuple[str, str]]:
    """The (name, value) pairs the browser sends, in document order; ``fills`` replaces the values
    of named text-like controls (what the person would type) and ticks a checkbox or chooses a
    radio when it names the control's value."""
    fills = fills or {}
    pairs: list[tuple[str, str]] = []
    for control in form.controls:
        if control.disabled or not control.name:
            continue
        if control.is_submit:
            if control is submitter:
                if control.type == "image":
                    pairs += [(f"{control.name}.x", "0"), (f"{control.name}.y", "0")]
                else:
                    pairs.append((control.name, control.value))
            continue
        if control.type in NOT_SENT:
            continue
        if control.type in ("checkbox", "radio"):
            # a tick of ours: fills names the box with its value (a radio: the one chosen)
            chosen = fills.get(control.name)
            if (control.checked and chosen is None) or chosen == control.value:
                pairs.append((control.name, control.value))
            continue
        if control.type in ("select", "select-multiple"):
            pairs += [(control.name, v) for v in _selected(control)]
            continue
        pairs.append((control.name, fills.get(control.name, control.value)))
    return pairs


def _selected(control: Control) -> list[str]:
    chosen = [v for v, selected, disabled in control.options if selected and not disabled]
    if control.type == "select" and not chosen:
        first = next((v for v, _, disabled in control.options if not disabled), None)
        return [first] if first is not None else []
    return chosen if control.type == "select-multiple" else chosen[-1:]


@dataclasses.dataclass(frozen=True)
class Submission:
    method: str
    url: str
    body: bytes | None
    content_type: str | None


def encode(form: Form, fills: dict[str, str] | None = None, submitter: Control | None = None) -> Submission:
    """The request a browser sends for ``form`` (urlencoded; GET puts the pairs in the query)."""
    if submitter is None and form.submitters:
        submitter = form.submitters[0]  # Enter in a field "clicks" the default button
    action = (submitter.formaction if submitter and submitter.formaction else None) or form.action
    method = (submitter.formmethod if submitter and submitter.formmethod else None) or form.method
    method = "POST" if method == "POST" else "GET"
    query = urlencode(successful(form, fills, submitter))
    if method == "GET":
        parts = urlsplit(action)
        return Submission("GET", urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")), None, None)
    return Submission("POST", action, query.encode("ascii"), "application/x-www-form-urlencoded")


# ---- pages that move on by themselves ----------------------------------------------------------


def saml_post(page: Page) -> tuple[Form, str, str] | None:
    """(form, SAMLResponse, RelayState) of the page's form carrying a SAML response."""
    for form in page.forms:
        response = form.field("SAMLResponse")
        if response is not None and response.value.strip():
            relay = form.field("RelayState")
            return form, response.value.strip(), relay.value if relay is not None else ""
    return None


def auto_submit(page: Page) -> Form | None:
    """The form the page submits on its own: only hidden fields (and at most a submit button for
    browsers without script), with a script or ``onload`` that submits it, or a lone form the
    page tells script-less browsers to submit (``<noscript>``)."""
    candidates = [f for f in page.forms if _hidden_only(f)]
    if len(candidates) != 1 or len(page.forms) != 1:
        return None
    submits = bool(_SUBMIT_CALL.search(page.body_onload)) or any(_SUBMIT_CALL.search(s) for s in page.scripts)
    return candidates[0] if submits or page.noscript else None


_SCRIPTED_SUBMIT = re.compile(
    r"preventdefault|return\s+false|\.value|fetch\s*\(|xmlhttprequest|\.submit\s*\(|encrypt|crypt", re.I
)
_NEEDS_JS = re.compile(r"javascript|\bjs\b|script", re.I)


def needs_script(page: Page, form: Form, secret_fields: tuple[str, ...]) -> str | None:
    """Why posting ``form`` from static HTML may not be what the browser would send (None: it is
    the same). A secret goes over plain HTTP only when this is None; the reasons, in order:

    1. the form posts somewhere a static page cannot: a ``javascript:`` or other non-web action,
       or GET (a secret would end up in a URL);
    2. a field the secret goes into has no name (script reads it and sends something else);
    3. no enabled submit control, or the submit control runs script (``onclick``);
    4. the form's ``onsubmit`` does more than pass (reads values, cancels, encrypts, fetches);
    5. an empty hidden field that page script names (script fills it in before the post);
    6. the page tells browsers without script that they cannot sign in (``<noscript>``).
    """
    if form.action.lower().startswith("javascript:") or form.method != "POST":
        return "the form is submitted by script, or with GET"
    if origin_of(form.action) is None:  # not http(s), or no host ("http:/x", a mangled URL)
        return "the form posts to an address that is not a web page"
    for name in secret_fields:
        if not name or form.field(name) is None:
            return "a field of the form has no name"
    submitters = [c for c in form.submitters if not c.disabled]
    if not submitters or all(c.onclick for c in submitters):
        return "the form has no plain submit button"
    # Keycloak's onsubmit="login.disabled = true; return true;" only stops a second press
    if _SCRIPTED_SUBMIT.search(form.onsubmit):
        return "the form's submit handler runs script"
    script = " ".join(page.scripts)
    for control in form.controls:
        if control.type == "hidden" and not control.value:
            for key in (control.name, control.element_id):
                if key and re.search(rf"\b{re.escape(key)}\b", script):
                    return f"script fills in the hidden field {key!r}"
    if page.noscript and _NEEDS_JS.search(page.noscript) and not saml_post(page):
        return "the page says it needs JavaScript"
    return None


_REMEMBER = re.compile(
    r"remember|keep me (signed|logged) in|stay (signed|logged) in|angemeldet bleiben|rester connecté"
    r"|se souvenir|recordarme|mantener la sesión",
    re.I,
)


def remember_box(form: Form) -> Control | None:
    """The form's unticked "remember me" box (a stored IdP keeps the IdP's session with it)."""
    for control in form.controls:
        words = f"{control.label} {control.name} {control.element_id}"
        if control.type == "checkbox" and not control.disabled and not control.checked and _REMEMBER.search(words):
            return control
    return None


def _hidden_only(form: Form) -> bool:
    fields = [c for c in form.controls if not c.is_submit and c.type not in ("button", "reset")]
    return bool(fields) and all(c.type == "hidden" for c in fields)
