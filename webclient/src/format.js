// Display formatting for durations and times.

/**
 * Formats a call duration as m:ss, or h:mm:ss from one hour on.
 * @param {number} seconds
 */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Spells a duration for screen readers: "1 minute 5 seconds".
 * @param {number} seconds
 */
export function spokenDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [];
  if (h) parts.push(`${h} hour${h === 1 ? '' : 's'}`);
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (s % 60 || parts.length === 0) parts.push(`${s % 60} second${s % 60 === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/**
 * Formats when a call happened: the time of day for today, otherwise the
 * date and time, in the user's locale.
 * @param {number} at milliseconds since the epoch
 * @param {number} now
 * @param {string|undefined} locale
 */
export function formatWhen(at, now, locale) {
  const d = new Date(at);
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  const time = { hour: '2-digit', minute: '2-digit' };
  return sameDay
    ? d.toLocaleTimeString(locale, time)
    : d.toLocaleString(locale, { month: 'short', day: 'numeric', ...time });
}
