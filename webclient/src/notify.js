// Desktop notifications for calls that arrive while the tab is hidden.

/**
 * Asks for notification permission once, if the user has not decided yet.
 * Call it from a user gesture only: browsers ignore or penalise prompts at
 * load.
 */
export function askPermission() {
  const N = globalThis.Notification;
  if (!N || N.permission !== 'default') return;
  try {
    const p = N.requestPermission();
    if (p && typeof p.catch === 'function') p.catch(() => {});
  } catch {
    // old callback-only API or blocked in this frame
  }
}

/**
 * Shows "Incoming call" when the page is hidden and notifications are
 * allowed; clicking it brings the tab forward. Returns the notification so
 * it can be closed when the call is answered or ends, or null.
 * @param {string} from
 * @param {() => void} onClick
 * @returns {Notification|null}
 */
export function notifyIncoming(from, onClick) {
  const N = globalThis.Notification;
  if (!N || N.permission !== 'granted' || !globalThis.document || !document.hidden) return null;
  try {
    const n = new N('Incoming call', { body: from, tag: 'callgate-incoming', requireInteraction: true });
    n.onclick = () => {
      globalThis.focus();
      onClick();
      n.close();
    };
    return n;
  } catch {
    // some mobile browsers allow notifications only from a service worker
    return null;
  }
}
