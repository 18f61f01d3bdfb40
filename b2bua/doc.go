// Package b2bua is callgate's signalling core: the SIP stack (sipgo) on UDP,
// TCP and TLS and on the WebSocket connections that package wsgw terminates,
// the registrar and location service, digest authentication, and (as the
// product grows) the back-to-back user agent that owns every call.
//
// Arrows point one way: b2bua imports wsgw and media, never the reverse. SIP
// status codes travel inside errors (see StatusError) and are rendered on the
// wire once, at the edge, by the request handlers.
package b2bua
