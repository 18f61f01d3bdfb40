// Package location is the location service of the callgate SIP registrar
// (RFC 3261 §10.2, §10.3): it maps an address-of-record (AOR) to the contact
// URIs currently bound to it.
//
// The package stores plain values only; parsing REGISTER requests, choosing
// expiry intervals and answering them is the registrar's job. Two
// implementations of [Store] are provided:
//
//   - [Memory], a concurrency-safe in-memory store indexed by AOR and by
//     connection identity;
//   - [Bolt], which serves every read from an embedded [Memory] and writes
//     persistent bindings through to a bbolt database file, so that UDP, TCP
//     and TLS registrations survive a restart. WebSocket bindings are tied to
//     their connection (RFC 7118 §5) and are never written to the file.
//
// Binding replacement follows RFC 3261 §10.3 step 8 (same AOR and contact)
// and RFC 5626 §6 (same +sip.instance and reg-id).
package location
