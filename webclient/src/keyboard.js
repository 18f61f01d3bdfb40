// Keyboard shortcuts of the dialer, as a pure function of the key and the
// situation so they can be tested without a browser.

/**
 * @typedef {'number'|'text'|'button'|'select'|'other'} TargetKind
 *   where the key went: the number field, another text field (transfer),
 *   a button, a select, or anything else inside the dialer
 * @typedef {{type: 'digit'|'dtmf', digit: string}|{type: 'backspace'|'call'|'answer'|'decline'|'hangup'|'answer-waiting'|'decline-waiting'}} KeyAction
 */

const ACTIVE = new Set(['calling', 'ringing', 'answering', 'in-call']);

/**
 * Decides what a keydown does. Keys with Ctrl, Alt or Meta are never taken
 * (paste, copy and browser shortcuts keep working). While a second call
 * rings beside a connected one (waiting), Escape declines that call
 * instead of hanging up, and Enter away from buttons and fields answers it.
 * @param {{key: string, ctrlKey?: boolean, altKey?: boolean, metaKey?: boolean, repeat?: boolean}} ev
 * @param {{state: string, target: TargetKind, waiting?: boolean}} ctx
 * @returns {KeyAction|null}
 */
export function keyAction(ev, ctx) {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  const { state, target } = ctx;
  const typing = target === 'number' || target === 'text';
  const waiting = Boolean(ctx.waiting) && state !== 'incoming' && state !== 'idle';
  switch (ev.key) {
    case 'Escape':
      if (state === 'incoming') return { type: 'decline' };
      if (waiting) return { type: 'decline-waiting' };
      if (ACTIVE.has(state)) return { type: 'hangup' };
      return null;
    case 'Enter':
      if (target === 'button' || target === 'select' || target === 'text') return null;
      if (state === 'incoming') return { type: 'answer' };
      if (waiting) return { type: 'answer-waiting' };
      if (state === 'idle') return { type: 'call' };
      return null;
    case 'Backspace':
      if (state === 'idle' && !typing && target !== 'select') return { type: 'backspace' };
      return null;
    default:
      break;
  }
  if (ev.key.length !== 1 || !/[0-9*#+]/.test(ev.key) || ev.repeat) return null;
  if (target === 'text' || target === 'select') return null;
  if (state === 'in-call') return ev.key === '+' ? null : { type: 'dtmf', digit: ev.key };
  if (state === 'idle' && target !== 'number') return { type: 'digit', digit: ev.key };
  return null;
}
