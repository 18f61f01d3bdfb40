// The dialer's markup. Every control has an id, a data-testid and, for the
// main pieces, a part name for styling from outside (::part).

import { icons } from './icons.js';

/** Keypad keys: [key, id suffix, letters shown under the digit]. */
export const KEYS = [
  ['1', '1', ''], ['2', '2', 'ABC'], ['3', '3', 'DEF'],
  ['4', '4', 'GHI'], ['5', '5', 'JKL'], ['6', '6', 'MNO'],
  ['7', '7', 'PQRS'], ['8', '8', 'TUV'], ['9', '9', 'WXYZ'],
  ['*', 'star', ''], ['0', '0', '+'], ['#', 'hash', ''],
];

// Digits are named by their text (WCAG 2.5.3, label in name); "*" and "#"
// get spoken names because screen readers often skip punctuation.
const keyName = { '*': 'star', '#': 'pound' };

const key = ([k, id, letters]) =>
  `<button type="button" class="key" part="key" id="key-${id}" data-testid="key-${id}" data-key="${k}"${keyName[k] ? ` aria-label="${keyName[k]}"` : ''}>` +
  `<span class="digit">${k}</span><span class="letters" aria-hidden="true">${letters}</span></button>`;

export const template = `
<audio id="remote-audio" data-testid="remote-audio" autoplay></audio>
<div class="card" part="card" id="card" data-state="idle">
  <div class="head" part="header">
    <p class="reg" id="reg" part="status" data-testid="registration-status" data-registration="offline">
      <span class="dot" aria-hidden="true"></span><span id="reg-text">Offline</span>
    </p>
    <button type="button" class="chip" id="register-toggle" part="register-button" data-testid="register-toggle">Go online</button>
  </div>

  <div class="message" id="message" part="message" data-testid="message" hidden>
    <p id="message-text" data-testid="message-text"></p>
    <button type="button" class="icon-button" id="message-dismiss" data-testid="message-dismiss" aria-label="Dismiss message">${icons.close}</button>
  </div>

  <button type="button" class="enable-audio" id="enable-audio" part="enable-audio" data-testid="enable-audio" hidden>${icons.sound}<span>Enable sound</span></button>

  <div class="other" id="other-call" part="other-call" data-testid="other-call" role="group" aria-labelledby="other-title" hidden>
    <p class="other-info" id="other-title"><span class="sr-only">Second call: </span><span class="other-peer" id="other-peer" data-testid="other-peer"></span> <span class="other-state" id="other-state" data-testid="other-state"></span></p>
    <div class="other-actions">
      <button type="button" class="mini call-mini" part="other-button" id="other-answer" data-testid="other-answer" hidden>${icons.call}<span>Answer</span></button>
      <button type="button" class="mini hangup-mini" part="other-button" id="other-decline" data-testid="other-decline" hidden>${icons.hangup}<span>Decline</span></button>
      <button type="button" class="mini" part="other-button" id="other-swap" data-testid="other-swap" hidden>${icons.swap}<span>Swap</span></button>
      <button type="button" class="mini" part="other-button" id="transfer-calls" data-testid="transfer-calls" hidden>${icons.transfer}<span>Transfer</span></button>
      <button type="button" class="mini hangup-mini" part="other-button" id="other-hangup" data-testid="other-hangup" hidden>${icons.hangup}<span>Hang up</span></button>
    </div>
  </div>

  <div class="dial" id="view-idle">
    <label class="label" for="number">Number</label>
    <div class="field">
      <input id="number" part="number" data-testid="number-input" type="tel" inputmode="tel" autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="go" placeholder="Number or name">
      <button type="button" class="icon-button" id="backspace" data-testid="backspace" aria-label="Delete last digit">${icons.backspace}</button>
    </div>
  </div>

  <div class="call" id="view-call" part="call" data-testid="call-panel" hidden>
    <p class="call-label" id="call-label" data-testid="call-label">Calling</p>
    <p class="peer" id="call-peer" part="peer" data-testid="call-peer"></p>
    <p class="peer-name" id="call-name" data-testid="call-name" hidden></p>
    <p class="timer" id="timer" part="timer" data-testid="call-timer" role="timer" hidden>0:00</p>
    <p class="dtmf" id="dtmf-sent" data-testid="dtmf-sent" hidden></p>
    <div class="controls" id="controls" part="controls" hidden>
      <button type="button" class="control" part="control" id="mute" data-testid="mute" aria-pressed="false">${icons.mic}<span>Mute</span></button>
      <button type="button" class="control" part="control" id="hold" data-testid="hold" aria-pressed="false">${icons.pause}<span>Hold</span></button>
      <button type="button" class="control" part="control" id="keypad-toggle" data-testid="keypad-toggle" aria-expanded="false" aria-controls="keypad">${icons.keypad}<span>Keypad</span></button>
      <button type="button" class="control" part="control" id="transfer-toggle" data-testid="transfer-toggle" aria-expanded="false" aria-controls="transfer-form">${icons.transfer}<span>Transfer</span></button>
    </div>
    <form class="transfer" id="transfer-form" part="transfer" data-testid="transfer-form" hidden>
      <label class="label" for="transfer-number">Transfer to</label>
      <div class="field">
        <input id="transfer-number" data-testid="transfer-number" type="tel" inputmode="tel" autocomplete="off" spellcheck="false" enterkeyhint="send" placeholder="Number or name">
      </div>
      <div class="row">
        <button type="button" class="secondary" id="transfer-cancel" data-testid="transfer-cancel">Cancel</button>
        <button type="submit" class="primary" id="transfer-submit" data-testid="transfer-submit">Transfer</button>
      </div>
    </form>
  </div>

  <div class="keypad" id="keypad" part="keypad" data-testid="keypad" role="group" aria-label="Keypad">
    ${KEYS.map(key).join('\n    ')}
  </div>

  <div class="actions" part="actions">
    <button type="button" class="action call-button" id="call" part="call-button" data-testid="call-button">${icons.call}<span>Call</span></button>
    <button type="button" class="action hangup-button" id="decline" part="decline-button" data-testid="decline-button" hidden>${icons.hangup}<span>Decline</span></button>
    <button type="button" class="action call-button" id="answer" part="answer-button" data-testid="answer-button" hidden>${icons.call}<span>Answer</span></button>
    <button type="button" class="action hangup-button" id="hangup" part="hangup-button" data-testid="hangup-button" hidden>${icons.hangup}<span>Hang up</span></button>
  </div>

  <div class="foot" part="footer">
    <button type="button" class="tab" id="history-toggle" data-testid="history-toggle" aria-expanded="false" aria-controls="history">${icons.history}<span>History</span><span class="badge" id="missed-badge" data-testid="missed-badge" hidden></span></button>
    <button type="button" class="tab" id="devices-toggle" data-testid="devices-toggle" aria-expanded="false" aria-controls="devices">${icons.devices}<span>Devices</span></button>
  </div>

  <div class="panel" id="history" part="history" data-testid="history-panel" hidden>
    <div class="panel-head">
      <p class="panel-title" id="history-title">Recent calls</p>
      <button type="button" class="link" id="history-clear" data-testid="history-clear">Clear</button>
    </div>
    <ol class="history" id="history-list" data-testid="history-list" aria-labelledby="history-title"></ol>
    <p class="empty" id="history-empty" data-testid="history-empty">No calls yet.</p>
  </div>

  <div class="panel" id="devices" part="devices" data-testid="devices-panel" hidden>
    <label class="label" for="mic-select">Microphone</label>
    <select id="mic-select" data-testid="mic-select"><option value="">System default</option></select>
    <div id="speaker-row">
      <label class="label" for="speaker-select">Speaker</label>
      <select id="speaker-select" data-testid="speaker-select"><option value="">System default</option></select>
    </div>
    <button type="button" class="secondary" id="devices-allow" data-testid="devices-allow" hidden>Show device names</button>
  </div>

  <div class="sr-only" id="live" data-testid="live-region" role="status" aria-live="polite" aria-atomic="true"></div>
  <div class="sr-only" id="alert" data-testid="alert-region" role="alert" aria-atomic="true"></div>
</div>
`;
