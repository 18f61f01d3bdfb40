// Demo only, for embed.html: passes #user=…&password=… to the first example.
// An embedding site needs nothing but the script tag and the element.
const p = new URLSearchParams(location.hash.slice(1));
document.getElementById('script-url').textContent = new URL('/callgate-dialer.js', location.href).href;
if (p.get('user') && (p.get('password') || p.get('token'))) {
  const d = document.getElementById('example-default');
  d.user = p.get('user');
  d.password = p.get('password');
  d.token = p.get('token');
  d.autoregister = true;
  history.replaceState(null, '', location.pathname);
}
