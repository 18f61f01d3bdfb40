// Package e2e proves calls between real browsers and a real desk phone
// through the callgate binary. It holds only tests: they build
// ./cmd/callgate, put the gateway, headless Debian Chromium (driven by
// playwright-core from driver.mjs) and Firefox ESR (puppeteer-core over
// WebDriver BiDi), and a baresip phone into network namespaces of their own
// on one bridge, and check the audio of each call by frequency in both
// directions. README.md describes the set-up.
//
// The tests need root (for the namespaces), the Debian packages chromium,
// firefox-esr, baresip-core and iproute2, Node.js, and `npm ci` run in this
// folder.
// A missing piece fails the test with a message naming it.
//
// Environment:
//
//	CALLGATE_E2E_ARTIFACTS  folder kept after the run for screenshots and logs
//	                        (default: a temporary folder removed afterwards)
//	CALLGATE_E2E_VERBOSE    "1" streams every process's output to the test log
package e2e
