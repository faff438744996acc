"""The page snapshot from static HTML: what ``browser/page.js`` reads in a browser, read from the
HTML an HTTP answer carried (lxml), for the same ``decide()``. Pure: bytes in, plain data out.

Element references are indices into ``refs``, as in the browser's snapshot; a reference here is
``("control", form index, control index)`` or ``("link", absolute URL)``, resolved by the
plain-HTTP engine. Without layout or script, "visible" means: not ``type=hidden``, no ``hidden``
attribute, no ``display:none``/``visibility:hidden`` style and no ``aria-hidden`` on the element or
an ancestor. What static HTML cannot show (a number to approve, a push page, a security-key step)
is left empty: a page with nothing this reader can act on goes to the browser.

The word lists are the browser reader's (``page.js``), for the same languages.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from awscli_saml_sso import htmlforms

USER = re.compile(
    r"user|login|e-?mail|\bmail\b|account|konto|benutzer|nutzer|anmeldename|utilisateur|identifiant|courriel"
    r"|usuario|correo|\bupn\b|principal|\bid\b|sign-?in name"
)
OTP = re.compile(
    r"one.?time|\botp\b|totp|passcode|pass code|verification|verify|\bcode\b|token|\bmfa\b|2fa|two.?factor"
    r"|second factor|authenticator|einmal|bestätigungscode|sicherheitscode|prüfcode|vérification|código|\bpin\b"
)
PASSWORD_WORD = re.compile(r"password|passwort|kennwort|mot de passe|contraseña|senha")
SUBMIT = re.compile(
    r"^(sign ?in|log ?in|login|next|continue|submit|verify|ok|confirm|yes|send|weiter|anmelden|einloggen"
    r"|bestätigen|ja|senden|suivant|connexion|se connecter|continuer|valider|vérifier|oui|siguiente"
    r"|iniciar sesión|continuar|enviar|verificar|sí|entrar)\b"
)
AVOID = re.compile(
    r"forgot|reset|create|sign ?up|register|cancel|back|zurück|abbrechen|retour|annuler|help|hilfe|another"
    r"|other|andere|autre|with (google|apple|facebook|microsoft|github|linkedin)|passkey|security key|qr|sso|language"
)
ERROR_WORDS = re.compile(
    r"incorrect|invalid|wrong|failed|falsch|ungültig|unbekannt|fehlgeschlagen|unknown user|not found"
    r"|doesn'?t exist|does not exist|couldn'?t find|could not find|not recogni[sz]ed|n'existe pas|introuvable"
    r"|erron|incorrecto|no existe|inválid|denied|declined|locked|gesperrt|expired|abgelaufen|disabled"
    r"|deactivated|suspended|deaktiviert|désactivé|didn'?t work|did not work|timed out|not valid"
)
ERROR_MARK = re.compile(r"error|danger|invalid|alert|warn|fehler|erreur|feedback")
NOT_TYPED = frozenset(
    {"hidden", "checkbox", "radio", "submit", "button", "image", "reset", "file", "range", "color", "search"}
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
MAX_TEXT = 400


def read(html: bytes | str, url: str, username: str = "") -> tuple[dict[str, Any], list[tuple[str, ...]]]:
    """(snapshot, refs) of the page at ``url``."""
    root = htmlforms.root_of(html)
    page = htmlforms.parse(html, url, root)
    raw = html.encode("utf-8", "replace") if isinstance(html, str) else html
    snap = _empty(page, hashlib.sha256(raw).hexdigest()[:16])
    refs: list[tuple[str, ...]] = []
    if root is None:
        return snap, refs
    controls = _visible_controls(root, page)
    _fields(snap, refs, page, controls, username.lower())
    _messages(snap, root)
    snap["headings"] = [t for t in (_text(h) for h in root.iter("h1", "h2", "h3")) if t][:10]
    snap["buttons"] = _buttons(page, controls, root, refs)
    snap["forms"] = [
        {"method": f.method.lower(), "origin": _origin(f.action), "action": f.action, "onsubmit": bool(f.onsubmit)}
        for f in page.forms
    ]
    return snap, refs


def _empty(page: htmlforms.Page, doc: str) -> dict[str, Any]:
    return {
        "user": None,
        "password": None,
        "otp": None,
        "otpSplit": [],
        "submit": None,
        "kmsi": None,
        "waiting": False,
        "error": "",
        "newPassword": False,
        "passwords": 0,
        "userFilled": False,
        "userPrefilled": False,
        "passwordFilled": False,
        "doc": doc,
        "ready": "complete",
        "title": page.title,
        "url": page.url,
        "origin": _origin(page.url),
        "frames": 0,
        "invalid": "",
        "number": "",
        "methods": [],
        "another": None,
        "responded": None,
        "handover": "",
        "portal": None,
        "choose": False,
        "account": None,
        "anotherAccount": None,
        "consent": None,  # consent pages and app dashboards are left to the browser's reader
        "tiles": [],
        "submitDisabled": False,
        "refusesAutomation": "",
        "fields": [],
        "buttons": [],
        "headings": [],
        "messages": [],
        "forms": [],
        "static": True,
    }


def _origin(url: str) -> str:
    from awscli_saml_sso.origins import origin_of

    return origin_of(url) or ""


def _hidden(node) -> bool:
    for el in (node, *node.iterancestors()):
        if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
            return True
        if _HIDDEN_STYLE.search(el.get("style") or ""):
            return True
    return False


def _visible_controls(root, page: htmlforms.Page) -> dict[tuple[int, int], Any]:
    """(form index, control index) -> the lxml node, for controls a person could see."""
    nodes = list(root.iter("input", "select", "textarea", "button"))
    found: dict[tuple[int, int], Any] = {}
    for f, form in enumerate(page.forms):
        pool = [n for n in nodes if (n.get("name") or "") in {c.name for c in form.controls}]
        used: set[int] = set()
        for c, control in enumerate(form.controls):
            node = next(
                (n for i, n in enumerate(pool) if i not in used and _same(n, control)),
                None,
            )
            if node is None:
                continue
            used.add(pool.index(node))
            if not _hidden(node):
                found[(f, c)] = node
    return found


def _same(node, control: htmlforms.Control) -> bool:
    return node.tag == control.tag and (node.get("name") or "") == control.name


def _describe(control: htmlforms.Control) -> str:
    parts = [control.name, control.element_id, control.label, control.autocomplete]
    return " ".join(p for p in parts if p).lower()


def _ref(refs: list[tuple[str, ...]], item: tuple[str, ...]) -> int:
    if item not in refs:
        refs.append(item)
    return refs.index(item)


def _fields(snap, refs, page, controls, username: str) -> None:
    other: list[int] = []
    for (f, c), _node in controls.items():
        control = page.forms[f].controls[c]
        if control.disabled or control.type in NOT_TYPED or control.tag in ("select", "button"):
            continue
        ref = ("control", str(f), str(c))
        kind, d, ac = control.type, _describe(control), control.autocomplete
        if kind == "password":
            if "new-password" in ac:
                snap["newPassword"] = True
            elif not PASSWORD_WORD.search(d) and ("one-time-code" in ac or OTP.search(d)):
                snap["otp"] = snap["otp"] if snap["otp"] is not None else _ref(refs, ref)
            else:
                snap["passwords"] += 1
                if snap["password"] is None:
                    snap["password"] = _ref(refs, ref)
                    snap["passwordFilled"] = bool(control.value)
            continue
        if "one-time-code" in ac or (kind != "email" and not re.search("username|email", ac) and OTP.search(d)):
            snap["otp"] = snap["otp"] if snap["otp"] is not None else _ref(refs, ref)
            continue
        if kind == "email" or re.search("username|email", ac) or USER.search(d):
            if snap["user"] is None:
                snap["user"] = _ref(refs, ref)
                value = control.value.strip().lower()
                snap["userFilled"] = value != ""
                snap["userPrefilled"] = value != "" and (value == username or control.readonly)
            continue
        other.append(_ref(refs, ref))
    if snap["user"] is None and len(other) == 1 and snap["password"] is not None:
        snap["user"] = other[0]
    main = snap["otp"] if snap["otp"] is not None else snap["password"]
    main = main if main is not None else snap["user"]
    if main is not None:
        f = int(refs[main][1])
        subs = [(c, s) for c, s in enumerate(page.forms[f].controls) if s.is_submit and not s.disabled]
        good = [(c, s) for c, s in subs if not AVOID.search((s.text or s.value).lower())]
        pick = next((x for x in good if SUBMIT.search((x[1].text or x[1].value).lower())), good[0] if good else None)
        if pick is not None:
            snap["submit"] = _ref(refs, ("control", str(f), str(pick[0])))
        # a disabled submit button is one that script enables later: a page for the browser
        snap["submitDisabled"] = pick is None and any(s.is_submit and s.disabled for s in page.forms[f].controls)
    for f, c in controls:
        control = page.forms[f].controls[c]
        if control.type in NOT_TYPED or control.tag in ("select", "button"):
            continue
        snap["fields"].append(
            {
                "kind": control.type,
                "label": _describe(control)[:120],
                "visible": True,
                "enabled": not control.disabled,
                "filled": bool(control.value),
                "autocomplete": control.autocomplete,
                "form": f,
                "el": _ref(refs, ("control", str(f), str(c))),
            }
        )


def _buttons(page, controls, root, refs) -> list[dict[str, Any]]:
    found = []
    for (f, c), _node in controls.items():
        control = page.forms[f].controls[c]
        if control.is_submit or control.type in ("button", "reset"):
            found.append(
                {
                    "text": (control.text or control.value)[:120],
                    "tag": control.tag,
                    "type": control.type,
                    "form": f,
                    "target": page.forms[f].target,
                    "href": "",
                    "enabled": not control.disabled,
                    "el": _ref(refs, ("control", str(f), str(c))),
                }
            )
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")) or _hidden(a):
            continue
        absolute = htmlforms.join(page.base, href)
        if absolute == htmlforms.INVALID:
            continue
        found.append(
            {
                "text": _text(a)[:120],
                "tag": "a",
                "type": "",
                "form": -1,
                "target": a.get("target") or "",
                "href": absolute,
                "enabled": True,
                "el": _ref(refs, ("link", absolute)),
            }
        )
    return found[:60]


def _messages(snap, root) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("input", "textarea", "select", "form", "body", "html", "script"):
            continue
        role = (el.get("role") or "").lower()
        mark = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        live = el.get("aria-live") is not None or role == "status"
        alert = role == "alert"
        error_like = bool(ERROR_MARK.search(mark))
        red = bool(
            re.search(
                r"color\s*:\s*(red|#f00\b|#ff0000|#c00|#d00|#e00|rgb\(\s*2[0-5]\d\s*,\s*[0-9]{1,2}\s*,)",
                el.get("style") or "",
                re.I,
            )
        ) or (el.tag == "font" and (el.get("color") or "").lower() in ("red", "#ff0000", "#f00"))
        if not (alert or live or error_like or red) or _hidden(el):
            continue
        text = _text(el)
        if not text or len(text) >= MAX_TEXT or text in seen:
            continue
        seen[text] = {
            "text": text,
            "alert": alert,
            "live": live,
            "errorLike": error_like,
            "red": red,
            "words": False,
            "invalid": False,
        }
    snap["messages"] = list(seen.values())[:20]
    strong = [m for m in snap["messages"] if m["alert"] or m["errorLike"] or m["red"]]
    snap["error"] = strong[0]["text"] if strong else ""
    if not snap["error"]:  # a sentence with no mark but its words, e.g. a plain <p> above the form
        snap["error"] = _worded_error(root)


def _worded_error(root) -> str:
    for el in root.iter("p", "div", "span", "strong", "b", "li", "td", "h2", "h3", "h4"):
        own = " ".join(((el.text or "") + " ".join((c.tail or "") for c in el)).split())
        if own and len(own) < 300 and ERROR_WORDS.search(own.lower()) and not _hidden(el):
            return _text(el)
    return ""


def _text(node) -> str:
    return " ".join((node.text_content() or "").split())
