// Entry point of the embeddable bundle: defines <callgate-dialer>.
//
//   <script type="module" src="https://gateway.example/callgate-dialer.js"></script>
//   <callgate-dialer user="1000" password="…" autoregister></callgate-dialer>

import { CallgateDialer } from './element.js';

if (!customElements.get('callgate-dialer')) {
  customElements.define('callgate-dialer', CallgateDialer);
}

export { CallgateDialer };
