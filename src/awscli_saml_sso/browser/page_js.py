"""The page scripts: the reading of a login page (``page.js``, package data, see its header) and
the "remember me" tick. No decisions here: :mod:`decide` makes them from the snapshot.
"""

from importlib import resources

# A function body: arguments[0] is the username; returns {snap: plain data, els: elements}
CLASSIFY = resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8")


# Ticks a "remember me" box in the password's form, for a stored IdP's persistent profile: without
# it Keycloak (and others) keep their SSO session in a browser-session cookie, which the next
# run's browser no longer has, so every --use-stored login would show the password page again.
REMEMBER = r"""
const field = arguments[0];
const scope = (field && field.form) || document;
const RE = /remember me|remember my login|keep me (signed|logged) in|stay (signed|logged) in|remain signed in|angemeldet bleiben|rester connecté|se souvenir de moi|recordarme|mantener la sesión/i;
for (const box of scope.querySelectorAll('input[type=checkbox]')) {
  if (box.checked || box.disabled) continue;
  const words = [...(box.labels || [])].map(l => l.innerText).join(' ') + ' '
    + (box.getAttribute('aria-label') || '') + ' ' + (box.name || '') + ' ' + (box.id || '');
  if (RE.test(words) || /remember-?me/i.test(box.name + ' ' + box.id)) { box.click(); return true; }
}
return false;
"""


# Chooses option ``arguments[1]`` of the <select> ``arguments[0]``, as a person's choice would.
SELECT = """
const sel = arguments[0];
sel.selectedIndex = arguments[1];
sel.dispatchEvent(new Event('input', {bubbles: true}));
sel.dispatchEvent(new Event('change', {bubbles: true}));
"""
