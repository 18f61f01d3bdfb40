// The full-page dialer at "/": a small sign-in form in front of
// <callgate-dialer>. Credentials may also come in the URL, preferably in the
// fragment, which never reaches the server:
//   /#user=1000&password=secret        (or ?user=…&password=…)
// Other keys: token, server, display-name, domain, ice-servers.
// They are removed from the address bar at once and kept in sessionStorage,
// so a reload stays signed in until the tab is closed or "Sign out".

const KEYS = ['user', 'password', 'token', 'server', 'display-name', 'domain', 'ice-servers'];
const SAVED = 'callgate-page:login';

const $ = (id) => document.getElementById(id);
const dialer = $('dialer');
const login = $('login');
const phone = $('phone');

function fromUrl() {
  const found = {};
  for (const part of [location.search.slice(1), location.hash.slice(1)]) {
    const p = new URLSearchParams(part);
    for (const k of KEYS) if (p.get(k)) found[k] = p.get(k);
  }
  if (Object.keys(found).length > 0) history.replaceState(null, '', location.pathname);
  return found;
}

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(SAVED) || '{}');
  } catch {
    return {};
  }
}

function save(s) {
  try {
    sessionStorage.setItem(SAVED, JSON.stringify(s));
  } catch {
    // private mode: sign in again after a reload
  }
}

function signIn(s) {
  save(s);
  for (const k of ['server', 'display-name', 'domain', 'ice-servers']) {
    if (s[k]) dialer.setAttribute(k, s[k]);
    else dialer.removeAttribute(k);
  }
  dialer.user = s.user;
  // As properties, the secrets stay out of the DOM.
  dialer.password = s.password || null;
  dialer.token = s.token || null;
  $('account-user').textContent = s.user.replace(/^\d+:/, '').replace(/:.*$/, '');
  login.hidden = true;
  phone.hidden = false;
  $('ws-url').textContent = dialer.server;
  dialer.autoregister = true;
  dialer.register();
  dialer.focus();
}

function showLogin(error) {
  const s = saved();
  phone.hidden = true;
  login.hidden = false;
  $('login-user').value = s.user || $('login-user').value;
  $('login-server').value = s.server || '';
  $('login-name').value = s['display-name'] || '';
  $('login-error').hidden = !error;
  $('login-error').textContent = error || '';
  if (s.server) login.querySelector('details').open = true;
  ($('login-user').value ? $('login-password') : $('login-user')).focus();
}

login.addEventListener('submit', (e) => {
  e.preventDefault();
  const s = { user: $('login-user').value.trim(), password: $('login-password').value };
  const server = $('login-server').value.trim();
  const name = $('login-name').value.trim();
  if (server) s.server = server;
  if (name) s['display-name'] = name;
  $('login-password').value = '';
  signIn(s);
});

$('logout').addEventListener('click', () => {
  dialer.autoregister = false;
  dialer.unregister();
  try {
    sessionStorage.removeItem(SAVED);
  } catch {
    // nothing stored
  }
  showLogin('');
});

dialer.addEventListener('callgate:error', (e) => {
  const code = e.detail && e.detail.code;
  if (code === 'auth-failed' || code === 'forbidden' || code === 'not-found') {
    const s = saved();
    delete s.password;
    save(s);
    dialer.autoregister = false;
    showLogin(e.detail.message);
  }
});

customElements.whenDefined('callgate-dialer').then(() => {
  $('ws-url').textContent = dialer.server;
  const s = { ...saved(), ...fromUrl() };
  if (s.user && (s.password || s.token)) signIn(s);
  else showLogin('');
});
