// Package webclient serves the browser side of callgate: the embeddable
// <callgate-dialer> custom element (static/callgate-dialer.js, an ES module
// that bundles JsSIP), a full-page dialer at "/", and an embedding example
// at "/embed.html". Everything is embedded into the binary, so a fresh
// checkout runs with no Node.js.
//
// The element's sources live in src/ and are bundled with esbuild by
// `npm run build` (see package.json). The bundle starts with a
// "sources-sha256" header over its inputs; the package's tests recompute it
// to catch a bundle that was not rebuilt after a change to src/.
package webclient
