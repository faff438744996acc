// The one reading of a login page (or of one frame): plain data, the snapshot, plus the elements
// the executor may act on, by index (snap.user = 3 means els[3]). Run as a function body with the
// username as arguments[0]. It never returns a field's value, only "empty or not" and "equals the
// username", so a password can never travel back through it. Word lists cover English, German,
// French and Spanish; markup is not trusted (ids are often random), so labels, placeholders and
// ARIA text count as much as names. The decisions are made in Python (decide.py), not here.
const username = (arguments[0] || '').toLowerCase();
const USER = /user|login|e-?mail|\bmail\b|account|konto|benutzer|nutzer|anmeldename|utilisateur|identifiant|courriel|usuario|correo|\bupn\b|principal|\bid\b|sign-?in name/;
const OTP = /one.?time|\botp\b|totp|passcode|pass code|verification|verify|\bcode\b|token|\bmfa\b|2fa|two.?factor|second factor|authenticator|einmal|bestätigungscode|sicherheitscode|prüfcode|vérification|código|\bpin\b/;
const PASSWORD_WORD = /password|passwort|kennwort|mot de passe|contraseña|senha/;
const SUBMIT = /^(sign ?in|log ?in|login|next|continue|submit|verify|ok|confirm|yes|send|weiter|anmelden|einloggen|bestätigen|ja|senden|suivant|connexion|se connecter|continuer|valider|vérifier|oui|siguiente|iniciar sesión|continuar|enviar|verificar|sí|entrar)\b/;
const AVOID = /forgot|reset|create|sign ?up|register|cancel|back|zurück|abbrechen|retour|annuler|help|hilfe|another|other|andere|autre|with (google|apple|facebook|microsoft|github|linkedin)|passkey|security key|qr|sso|language/;
const KMSI = /stay signed in|keep me signed in|remain signed in|angemeldet bleiben|rester connecté|mantener la sesión|trust this (browser|device)|remember (this|me)/;
const YES = /^(yes|ja|oui|sí|si|continue|weiter|continuer|continuar|ok|trust|vertrauen)\b/;
const NO = /^(no|nein|non)\b/;
const WAITING = /approve|notification|push|check your (phone|device)|sent (a|an)? ?(request|notification)|authenticator app|genehmig|bestätigen sie|auf ihrem (telefon|handy|gerät)|approuve|sur votre (téléphone|appareil)|aprueba|waiting for|warten auf/;
const ERROR_WORDS = /incorrect|invalid|wrong|failed|falsch|ungültig|unbekannt|fehlgeschlagen|unknown user|not found|doesn'?t exist|does not exist|couldn'?t find|could not find|not recogni[sz]ed|n'existe pas|introuvable|erron|incorrecto|no existe|inválid|denied|declined|locked|gesperrt|expired|abgelaufen|disabled|deactivated|suspended|deaktiviert|désactivé|didn'?t work|did not work|timed out|didn'?t hear|did not hear|no response|not valid|\bformat\b/;

const APPROVE_CONTEXT = /approv|confirm|\btap\b|select|enter|type|match|choose|number|authenticator|okta verify|your (phone|device|mobile|app)|genehmig|bestätig|tipp|approuv|appuyez|saisi|aprueb|toca|introduce/;
const RESPONDED = /^(i('ve| have)? ?(responded|approved|confirmed|tapped|done)|i approved|done|yes|continue|ich habe|j'ai (répondu|approuvé)|he (respondido|aprobado)|weiter|continuer|continuar)\b/;
const ANOTHER = /(sign in|log in|verify|try) (another|a different) way|verify with something else|other (options|ways|methods)|use (another|a different) (method|option|verification)|choose (another|a different) (method|option)|more (options|choices)|i can'?t use|andere methode|autre (méthode|moyen)|otra (forma|manera)/;
const PICKER = /(pick|choose|select) an account|konto auswählen|choisir un compte|elige una cuenta/;
const HANDOVER = /security key|passkey|windows hello|touch id|face id|webauthn|fido|captcha|i'?m not a robot|select the (images|pictures)|sicherheitsschlüssel|clé de sécurité|llave de seguridad/;
const SIGNIN_CONTROL = /sign ?in|log ?in|log on|\bsso\b|single sign|anmelden|einloggen|connexion|se connecter|iniciar sesi|continue (with|to)/;
const NOT_A_WAY_IN = /forgot|reset|help|sign ?up|register|create|language|problem|trouble|can'?t|another|different|other|out\b|abmelden|déconnexion/;
const METHODS = [  // the first that matches: "SMS passcode" is SMS, "code from Okta Verify" a code
  ['sms', /\bsms\b|text (message|me)|texto|\btext\b/],
  ['call', /\bcall\b|phone call|voice|anruf|appel|llamada/],
  ['email', /e-?mail|correo|courriel/],
  ['totp', /authenticator code|verification code|one.?time|passcode|pass code|\botp\b|totp|token|enter a code|use a code|security code|google authenticator|code from|\bcode\b/],
  ['push', /push|notification|approve a request|send (me )?a (push|request)|okta verify|duo push|get a push|tap yes|benachrichtigung|notificaci/],
];
function methodOf(label) {
  const t = label.toLowerCase();
  if (t.length > 120 || !t) return '';
  for (const [m, re] of METHODS) if (re.test(t)) return m;
  return '';
}
function challengeNumber() {
  if (!APPROVE_CONTEXT.test((document.body ? document.body.innerText : '').toLowerCase())) return '';
  const base = parseFloat(getComputedStyle(document.body).fontSize) || 16;
  let best = null, size = 0, seen = new Set();
  const all = document.body.querySelectorAll('*');
  for (let i = 0; i < all.length && i < 3000; i++) {
    const el = all[i];
    if (/^(INPUT|TEXTAREA|SELECT|OPTION|SCRIPT|STYLE|BUTTON|A|LABEL|TITLE|LI|TD|TH)$/.test(el.tagName)) continue;
    const t = (el.textContent || '').trim();
    if (!/^\d{1,3}$/.test(t) || [...el.children].some(c => (c.textContent || '').trim() === t)) continue;
    if (el.closest('button, a, label, select, [role=button], [role=option], nav, footer, [role=progressbar]') || !visible(el)) continue;
    const s = getComputedStyle(el), fs = parseFloat(s.fontSize) || base;
    const bold = parseInt(s.fontWeight, 10) >= 600 || /^(B|STRONG|H1|H2|H3)$/.test(el.tagName);
    if (fs < base * 1.25 && !bold) continue;  // prominent: big, or bold in its sentence
    let p = el.parentElement, near = '';  // the text around it speaks of approving on a device
    for (let k = 0; k < 4 && p; k++, p = p.parentElement) {
      near = (p.innerText || '').toLowerCase();
      if (near.replace(t, '').trim().length > 10) break;
    }
    if (near.length > 600 || !APPROVE_CONTEXT.test(near.replace(t, ''))) continue;
    seen.add(t);
    if (fs > size) { best = t; size = fs; }
  }
  return seen.size === 1 ? best : '';  // two different numbers: not a challenge we can name
}
function labelOf(el) {
  const parts = [];
  if (el.labels) for (const l of el.labels) parts.push(l.innerText);
  parts.push(el.getAttribute('aria-label') || '', el.title || '');
  if (!parts.join('').trim()) parts.push(el.parentElement ? el.parentElement.innerText : '');
  return parts.join(' ').trim().replace(/\s+/g, ' ');
}
function methodChoices() {
  const found = [];
  for (const sel of [...document.querySelectorAll('select')].filter(visible)) {
    const opts = [...sel.options].map((o, i) => ({kind: 'select', el: sel, index: i, label: o.text.trim(),
      method: methodOf(o.text), selected: o.selected})).filter(o => o.method);
    if (opts.length >= 2) found.push(...opts);
  }
  const radios = [...document.querySelectorAll('input[type=radio]')].filter(r => visible(r) || (r.labels && [...r.labels].some(visible)));
  const rs = radios.map(r => ({kind: 'radio', el: r, index: 0, label: labelOf(r), selected: r.checked}))
    .map(r => Object.assign(r, {method: methodOf(r.label)})).filter(r => r.method);
  if (rs.length >= 2) found.push(...rs);
  if (!found.length) {
    const tiles = buttons(document).map(b => ({kind: 'button', el: b, index: 0, label: text(b).replace(/\s+/g, ' '), selected: false}))
      .map(b => Object.assign(b, {method: ANOTHER.test(b.label.toLowerCase()) || AVOID_TILE.test(b.label.toLowerCase()) ? '' : methodOf(b.label)}))
      .filter(b => b.method);
    found.push(...tiles);
  }
  return found;
}
const AVOID_TILE = /cancel|back|help|forgot|resend|again|don'?t have|problem|learn more|contact|support/;
const CHOOSE = /choose|select|pick|how (do|would) you|verify (it'?s|that it'?s) you|verify your identity|another way|wählen|choisi|elige|seleccion/;
function visible(el) {
  if (!el || !el.isConnected || !el.getClientRects().length) return false;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden' || s.display === 'none' || s.opacity === '0') return false;
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1;
}
function text(el) { return ((el && (el.innerText || el.value || el.getAttribute('aria-label') || el.title)) || '').trim(); }
function describe(el) {
  const parts = ['name', 'id', 'placeholder', 'aria-label', 'autocomplete', 'title', 'data-testid']
    .map(a => el.getAttribute(a));
  if (el.labels) for (const l of el.labels) parts.push(l.innerText);
  for (const id of (el.getAttribute('aria-labelledby') || '').split(/\s+/)) {
    const l = id && document.getElementById(id); if (l) parts.push(l.innerText);
  }
  if (!el.labels || !el.labels.length) {  // a text next to the field, not the whole form
    let p = el.parentElement;
    for (let i = 0; i < 3 && p; i++, p = p.parentElement) {
      const t = (p.innerText || '').trim();
      if (t) { if (t.length < 80) parts.push(t); break; }
    }
  }
  return parts.filter(Boolean).join(' ').toLowerCase().replace(/\s+/g, ' ');
}
const ANOTHER_ACCOUNT = /use (another|a different) account|add (another )?account|anderes konto|autre compte|otra cuenta/;
const REFUSES_AUTOMATION = /browser or app may not be secure|browser (is|may be) not (secure|supported)|this browser is(n'?t| not) supported|automated (browser|software|test)|controlled by automated|unsupported browser|dieser browser ist nicht sicher|navigateur .{0,20}pas sécurisé/;

// The page's own sentence saying it refuses this browser.
function refusal() {
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n && i < 2000; n = walker.nextNode(), i++) {
    if (REFUSES_AUTOMATION.test(n.nodeValue.toLowerCase()) && visible(n.parentElement)) {
      return (n.parentElement.innerText || n.nodeValue).trim().replace(/\s+/g, ' ').slice(0, 300);
    }
  }
  return document.title || 'automated browser refused';
}

// An attribute-release (consent) page: what it will release, the choice it offers, its accept.
const CONSENT = /information to be provided|attributes? (release|to be released)|will be (released|shared|provided)|consent|would like to access|wants to access|einwilligung|zustimmung|freigabe|informations? (qui seront|à) transmettre/;
const ACCEPT = /^(accept|akzeptieren|zustimmen|accepter|aceptar|allow|agree|i agree|yes, (continue|allow))\b/;
function consent(body) {
  if (!CONSENT.test(body)) return null;
  const accept = buttons(document).find(b => ACCEPT.test(text(b).toLowerCase()));
  if (!accept) return null;
  const names = [...document.querySelectorAll('table tr')].filter(visible)
    .map(r => r.cells && r.cells.length >= 2 ? (r.cells[0].innerText || '').trim() : '').filter(Boolean).slice(0, 20);
  const chosen = [...document.querySelectorAll('input[type=radio]:checked, input[type=checkbox]:checked')]
    .map(r => [...(r.labels || [])].map(l => l.innerText.trim()).join(' ')).filter(Boolean);
  const title = [...document.querySelectorAll('h1, h2, h3, legend, [role=heading]')].filter(visible)
    .map(h => (h.innerText || '').trim()).find(Boolean) || document.title;
  return {accept: accept, acceptText: text(accept), attributes: names, choice: chosen.join('; '),
          title: title.replace(/\s+/g, ' ').slice(0, 120)};
}

// The applications of a dashboard (Okta, OneLogin, JumpCloud style): links or buttons naming apps.
const DASHBOARD = /\bmy apps\b|\bapps\b|applications|dashboard|anwendungen|portal|launchpad/;
const NOT_AN_APP = /sign ?out|log ?out|abmelden|settings|einstellungen|profile|help|search|home|notifications|add apps?|privacy|terms|^$/;
function appTiles(body) {
  const heading = document.title + ' ' + [...document.querySelectorAll('h1, h2, [role=heading]')].map(h => h.innerText).join(' ');
  if (!DASHBOARD.test(heading.toLowerCase())) return [];
  const tiles = buttons(document).filter(b => {
    const t = text(b).replace(/\s+/g, ' ').toLowerCase();
    return t.length < 60 && !NOT_AN_APP.test(t) && !b.closest('nav, header, footer');
  });
  return tiles.length >= 2 ? tiles.slice(0, 40).map(b => ({text: text(b).replace(/\s+/g, ' '), el: b,
    newTab: (b.getAttribute('target') || '') === '_blank'})) : [];
}

const out = {user: null, password: null, otp: null, otpSplit: [], other: [], submit: null,
             kmsi: null, waiting: false, error: '', newPassword: false, passwords: 0,
             userFilled: false, userPrefilled: false, passwordFilled: false, doc: null, ready: document.readyState,
             title: document.title, url: location.href, frames: 0, invalid: '', number: '',
             methods: [], another: null, responded: null, handover: '', portal: null, choose: false,
             account: null};
window.__assDoc = window.__assDoc || String(Math.random()).slice(2);
out.doc = window.__assDoc;
const inputs = [...document.querySelectorAll('input, textarea')].filter(
  el => visible(el) && !el.disabled && !['hidden', 'checkbox', 'radio', 'submit', 'button', 'image',
    'reset', 'file', 'range', 'color', 'search'].includes((el.type || '').toLowerCase()));
for (const el of inputs) {
  const type = (el.type || 'text').toLowerCase(), d = describe(el);
  const ac = (el.getAttribute('autocomplete') || '').toLowerCase();
  const maxlen = el.maxLength > 0 ? el.maxLength : 0;
  const numeric = ['numeric', 'decimal'].includes((el.getAttribute('inputmode') || '').toLowerCase())
    || type === 'tel' || type === 'number';
  if (type === 'password') {
    if (ac.includes('new-password')) { out.newPassword = true; continue; }
    if (!PASSWORD_WORD.test(d) && (ac.includes('one-time-code') || OTP.test(d))) { out.otp = out.otp || el; continue; }
    out.passwords++; out.password = out.password || el; continue;
  }
  if (maxlen === 1 && (numeric || OTP.test(d) || ac.includes('one-time-code'))) { out.otpSplit.push(el); continue; }
  if (ac.includes('one-time-code') || (type !== 'email' && !/username|email/.test(ac) && OTP.test(d))
      || (numeric && maxlen >= 4 && maxlen <= 10)) { out.otp = out.otp || el; continue; }
  if (type === 'email' || /username|email/.test(ac) || USER.test(d)) {
    if (!out.user) out.user = el; else out.other.push(el);
    continue;
  }
  out.other.push(el);
}
if (!out.user && out.other.length === 1 && (out.password ||
    /sign ?in|log ?in|anmeld|connexion|connecter|iniciar/.test((document.body.innerText || '').toLowerCase()))) {
  out.user = out.other.pop();  // the one text field of a login form
}
if (out.user) {
  const v = (out.user.value || '').trim().toLowerCase();
  out.userFilled = v !== '';
  out.userPrefilled = v !== '' && (v === username || out.user.readOnly);
}
out.passwordFilled = !!(out.password && out.password.value !== '');
function buttons(root) {
  return [...root.querySelectorAll('button, input[type=submit], input[type=button], input[type=image], a, [role=button], [role=link]')]
    .filter(b => visible(b) && !b.disabled && b.getAttribute('aria-disabled') !== 'true');
}
function pickSubmit(field) {
  const form = field && field.form;
  if (form) {
    const subs = buttons(form).filter(b => (b.type || '').toLowerCase() === 'submit' || b.tagName === 'INPUT' && b.type === 'image');
    const good = subs.filter(b => !AVOID.test(text(b).toLowerCase()));
    if (good.length) return good.find(b => SUBMIT.test(text(b).toLowerCase())) || good[0];
  }
  const all = buttons(document).filter(b => !AVOID.test(text(b).toLowerCase()));
  return all.find(b => SUBMIT.test(text(b).toLowerCase())) || null;
}
const main = out.otpSplit[0] || out.otp || out.password || out.user;
out.submit = pickSubmit(main);
// A submit button the page keeps disabled until its script is ready (or the field is valid)
out.submitDisabled = !!main && !out.submit && !!(main.form || document).querySelector(
  'button[type=submit]:disabled, button:not([type]):disabled, input[type=submit]:disabled, button[aria-disabled=true]');
const body = (document.body ? document.body.innerText : '').slice(0, 4000).toLowerCase();
if (!main) {
  const bs = buttons(document).filter(b => !AVOID.test(text(b).toLowerCase()));
  if (KMSI.test(body)) {
    out.kmsi = bs.find(b => YES.test(text(b).toLowerCase()))
      || bs.find(b => (b.type || '').toLowerCase() === 'submit')
      || bs.find(b => NO.test(text(b).toLowerCase())) || null;
  }
  out.waiting = WAITING.test(body);
}
function errorText() {
  const cands = [...document.querySelectorAll('[role=alert], [aria-live], [class*=error i], [id*=error i], [class*=alert i], [class*=danger i], [class*=warning i], [class*=invalid i], [class*=message i]')]
    .filter(e => visible(e) && !['INPUT', 'TEXTAREA', 'SELECT', 'FORM', 'BODY'].includes(e.tagName));
  const found = cands.map(e => ({t: (e.innerText || '').trim().replace(/\s+/g, ' '),
                                  alert: e.getAttribute('role') === 'alert' || /error/i.test((e.getAttribute('class') || '') + ' ' + e.id)}))
    .filter(f => f.t && f.t.length < 400);
  const hit = found.find(f => ERROR_WORDS.test(f.t.toLowerCase())) || found.find(f => f.alert);
  return hit ? hit.t : '';
}
out.error = errorText();
if (!out.error) {  // an error sentence anywhere, e.g. a plain <p> above the form
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n && i < 2000; n = walker.nextNode(), i++) {
    const t = n.nodeValue.trim();
    if (t && t.length < 300 && ERROR_WORDS.test(t.toLowerCase()) && visible(n.parentElement)) {
      out.error = (n.parentElement.innerText || t).trim().replace(/\s+/g, ' '); break;
    }
  }
}
if (!out.error) {  // a field the page marked invalid: its own message, or the browser's
  for (const el of [...document.querySelectorAll('[aria-invalid=true]')].filter(visible)) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const t = ids.map(id => document.getElementById(id)).filter(e => e && visible(e))
      .map(e => (e.innerText || '').trim()).filter(Boolean).join(' ');
    if (t) { out.error = t.replace(/\s+/g, ' '); break; }
  }
}
for (const el of inputs) {  // what the browser itself refuses to submit (pattern, type=email)
  if (el.value && el.willValidate && !(el.form && el.form.noValidate) && !el.validity.valid) {
    out.invalid = [el.validationMessage, el.title].filter(Boolean).join(' ').trim(); break;
  }
}
out.frames = [...document.querySelectorAll('iframe, frame')].filter(visible).length;
if (!main) {
  out.number = challengeNumber();
  if (!out.kmsi) out.methods = methodChoices();
  out.another = buttons(document).find(b => ANOTHER.test(text(b).toLowerCase())) || null;
  if (out.number || out.waiting) {
    out.responded = buttons(document).find(b => RESPONDED.test(text(b).toLowerCase().trim())
      && !/another|other|cancel|resend|again|problem|can'?t/.test(text(b).toLowerCase())) || null;
  }
  out.handover = HANDOVER.exec(body) ? HANDOVER.exec(body)[0] : '';
  if (PICKER.test(body)) {  // "Pick an account": the tile naming our user, or a choice for a person
    const tiles = buttons(document).filter(b => /@|\\/.test(text(b)) || (username && text(b).toLowerCase().includes(username)));
    out.account = (username && tiles.find(b => text(b).toLowerCase().includes(username))) || null;
    out.anotherAccount = buttons(document).find(b => ANOTHER_ACCOUNT.test(text(b).toLowerCase())) || null;
    if (!out.account && tiles.length) out.handover = 'account';  // after 'use another account', if any
  }
  out.choose = CHOOSE.test(body);
  if (!out.kmsi && !out.number && !out.waiting && !out.methods.length) {
    const ways = buttons(document).filter(b => {
      const t = text(b).toLowerCase();
      return t.length < 60 && SIGNIN_CONTROL.test(t) && !NOT_A_WAY_IN.test(t);
    });
    out.portal = ways.length === 1 ? ways[0] : null;
  }
} else {
  out.methods = methodChoices().filter(m => m.kind === 'select' || m.kind === 'radio');
}
out.refusesAutomation = REFUSES_AUTOMATION.test(body) ? refusal() : '';
if (!main) out.consent = consent(body);
if (!main && !out.consent) out.tiles = appTiles(body);
return model(out);

// The snapshot: the decisions' evidence above as plain data, element references as indices into
// els, and the page model (fields, buttons, messages, headings, forms) for rules and fixtures.
function model(out) {
  const els = [];
  const ref = el => {
    if (!el) return null;
    let i = els.indexOf(el);
    if (i < 0) { els.push(el); i = els.length - 1; }
    return i;
  };
  for (const k of ['user', 'password', 'otp', 'submit', 'kmsi', 'another', 'responded', 'portal', 'account', 'anotherAccount']) {
    out[k] = ref(out[k] || null);
  }
  if (out.consent) out.consent.accept = ref(out.consent.accept);
  out.consent = out.consent || null;
  out.tiles = (out.tiles || []).map(t => Object.assign({}, t, {el: ref(t.el)}));
  out.otpSplit = out.otpSplit.map(ref);
  out.methods = out.methods.map(m => Object.assign({}, m, {el: ref(m.el)}));
  delete out.other;
  out.origin = location.origin;
  out.frameList = [...document.querySelectorAll('iframe, frame')].slice(0, 10).map(f => {
    let origin = '';
    try { origin = new URL(f.getAttribute('src') || 'about:blank', location.href).origin; } catch (e) { origin = ''; }
    return {origin: origin, visible: visible(f)};
  });
  const forms = [...document.forms];
  out.forms = forms.slice(0, 10).map(f => {
    let to = '';
    try { to = new URL(f.getAttribute('action') || location.href, location.href).origin; } catch (e) { to = ''; }
    return {method: (f.getAttribute('method') || 'get').toLowerCase(), origin: to};
  });
  out.fields = [...document.querySelectorAll('input, textarea, select')]
    .filter(el => !['hidden', 'submit', 'button', 'image', 'reset'].includes((el.type || '').toLowerCase()))
    .slice(0, 40).map(el => ({
      kind: (el.type || el.tagName).toLowerCase(), label: describe(el).slice(0, 120), visible: visible(el),
      enabled: !el.disabled, filled: el.type === 'checkbox' || el.type === 'radio' ? el.checked : !!el.value,
      autocomplete: (el.getAttribute('autocomplete') || '').toLowerCase(), form: forms.indexOf(el.form),
      el: visible(el) ? ref(el) : null}));
  out.buttons = [...document.querySelectorAll('button, input[type=submit], input[type=button], input[type=image], a, [role=button], [role=link]')]
    .filter(visible).slice(0, 60).map(b => ({
      text: text(b).replace(/\s+/g, ' ').slice(0, 120), tag: b.tagName.toLowerCase(),
      type: (b.getAttribute('type') || '').toLowerCase(), form: forms.indexOf(b.form || null),
      target: b.getAttribute('target') || '', href: b.tagName === 'A' ? (b.href || '') : '',
      enabled: !b.disabled && b.getAttribute('aria-disabled') !== 'true', el: ref(b)}));
  out.headings = [...document.querySelectorAll('h1, h2, h3, [role=heading]')].filter(visible)
    .map(h => (h.innerText || '').trim().replace(/\s+/g, ' ')).filter(Boolean).slice(0, 10);
  out.messages = messages();
  return {snap: out, els};
}

// Text that may be the page's message, with the signals that say so (in any language).
function messages() {
  const red = el => {
    const c = (getComputedStyle(el).color.match(/\d+/g) || []).map(Number);
    return c.length >= 3 && c[0] >= 150 && c[1] < 110 && c[2] < 110;
  };
  const seen = new Map();
  const add = el => {
    if (!el || seen.has(el) || ['INPUT', 'TEXTAREA', 'SELECT', 'FORM', 'BODY', 'HTML'].includes(el.tagName)) return;
    const t = (el.innerText || '').trim().replace(/\s+/g, ' ');
    if (!t || t.length >= 400 || !visible(el)) return;
    const mark = ((el.getAttribute('class') || '') + ' ' + el.id).toLowerCase();
    seen.set(el, {text: t, alert: el.getAttribute('role') === 'alert',
      live: el.hasAttribute('aria-live') || el.getAttribute('role') === 'status',
      errorLike: /error|danger|invalid|alert|warn|fehler|erreur/.test(mark), red: red(el),
      words: ERROR_WORDS.test(t.toLowerCase()), invalid: false});
  };
  document.querySelectorAll('[role=alert], [role=status], [aria-live], [class*=error i], [id*=error i], [class*=alert i], [class*=danger i], [class*=warning i], [class*=invalid i], [class*=message i]').forEach(add);
  for (const el of document.querySelectorAll('[aria-invalid=true]')) {
    for (const id of (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)) {
      const d = document.getElementById(id);
      add(d);
      if (seen.has(d)) seen.get(d).invalid = true;
    }
  }
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n && i < 2000; n = walker.nextNode(), i++) {
    const p = n.parentElement;
    if (p && n.nodeValue.trim() && !p.closest('button, a, label, script, style') && red(p)) add(p);
  }
  const texts = new Set();
  return [...seen.values()].filter(m => !texts.has(m.text) && texts.add(m.text)).slice(0, 20);
}
