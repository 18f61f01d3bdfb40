// Package admin is the operator's administration API of the callgate
// gateway: JSON over HTTP, authenticated with a bearer token.
//
// [New] returns a [Handler] that serves the routes below against a
// [Backend], which the gateway implements. The API is off unless the
// operator configures a token: New refuses an empty [Config.Token] with
// [ErrNoToken], so the caller simply does not mount the handler when no
// token is set. The handler is meant to be mounted at "/admin/" on a
// listener of its own (ideally loopback or a management network, behind
// TLS when it leaves the host).
//
// Routes (every one requires "Authorization: Bearer <token>"):
//
//	GET    /admin/calls               active calls: {"calls": [CallInfo...]}
//	GET    /admin/calls/{id}          one call: CallInfo, or 404
//	DELETE /admin/calls/{id}          hang the call up: 204, or 404;
//	                                  optional ?reason= (printable ASCII, ≤ 128 bytes)
//	GET    /admin/registrations       {"registrations": [Registration...]};
//	                                  ?user=name limits them to one user
//	GET    /admin/users               {"users": [User...]} without passwords
//	GET    /admin/users/{name}        one user, or 404
//	PUT    /admin/users/{name}        create (201) or replace (200) a user from
//	                                  a JSON User body; the name in the path wins
//	DELETE /admin/users/{name}        204, or 404
//	GET    /admin/trunks              {"trunks": [TrunkStatus...]}
//	POST   /admin/reload              reload the configuration without dropping
//	                                  calls: 204, or 500 with the reason
//	GET    /admin/openapi.json        the OpenAPI 3.0 description of this API
//
// The OpenAPI description requires the token too: it reveals nothing
// secret, but an unauthenticated caller learns nothing at all, not even
// that an admin API listens.
//
// Every response carries "Cache-Control: no-store". Bodies are JSON
// ("Content-Type: application/json"); errors are {"error": "message"}
// with status 400 (bad input), 401 (missing or wrong token), 404 (no such
// route, call or user), 405 (method not allowed, with an Allow header),
// 413 (body larger than [Config.MaxBody]), 415 (PUT body that is not
// application/json) or 500 (backend failure).
//
// Passwords are write-only: a [User] accepted by PUT may carry one, but no
// response and no log line ever contains it, even if the backend hands one
// back by mistake. Failed authentication is logged with the source address
// only, never with the presented credentials.
package admin
