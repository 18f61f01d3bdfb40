package b2bua

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// allowedMethods lists the methods this server handles, for Allow headers
// (RFC 3261 §20.5).
var allowedMethods = []sip.RequestMethod{sip.INVITE, sip.ACK, sip.CANCEL, sip.BYE, sip.REGISTER, sip.OPTIONS, sip.INFO, sip.UPDATE, sip.REFER, sip.NOTIFY}

// supportedOptions are the option tags we implement (RFC 3261 §19.2):
// path (RFC 3327) and outbound (RFC 5626) for registrations, timer (RFC
// 4028) and replaces (RFC 3891) for calls.
var supportedOptions = []string{"path", "outbound", "timer", "replaces"}

// knownMethods are methods defined by SIP RFCs; an unhandled known method
// gets 405, anything else 501 (RFC 3261 §8.2.1).
var knownMethods = map[sip.RequestMethod]bool{
	sip.INVITE: true, sip.ACK: true, sip.CANCEL: true, sip.BYE: true, sip.REGISTER: true,
	sip.OPTIONS: true, sip.SUBSCRIBE: true, sip.NOTIFY: true, sip.REFER: true, sip.INFO: true,
	sip.MESSAGE: true, sip.PRACK: true, sip.UPDATE: true, sip.PUBLISH: true,
}

// handlerFunc is a request handler that reports failure as an error carrying
// the SIP status.
type handlerFunc func(req *sip.Request, tx sip.ServerTransaction) error

// routes installs the request handlers on the sipgo server.
func (s *Server) routes() {
	s.sip.OnRegister(s.handle(s.handleRegister))
	s.sip.OnOptions(s.handle(s.handleOptions))
	s.sip.OnInvite(s.handle(s.handleInvite))
	s.sip.OnAck(s.handle(s.handleInDialog))
	s.sip.OnBye(s.handle(s.handleInDialog))
	s.sip.OnInfo(s.handle(s.handleInDialog))
	s.sip.OnUpdate(s.handle(s.handleInDialog))
	s.sip.OnRefer(s.handle(s.handleInDialog))
	s.sip.OnNotify(s.handle(s.handleInDialog))
	s.sip.OnCancel(s.handle(s.handleStrayCancel))
	s.sip.OnNoRoute(s.handle(s.handleNoRoute))
}

// handle wraps h with validation and renders its error once.
func (s *Server) handle(h handlerFunc) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		err := validateRequest(req)
		if err == nil && req.Method != sip.ACK && req.Method != sip.CANCEL {
			err = checkRequire(req)
		}
		if err == nil {
			err = h(req, tx)
		}
		if err != nil && req.Method != sip.ACK {
			s.replyErr(req, tx, err)
		}
	}
}

// validateRequest checks the header fields every request must carry
// (RFC 3261 §8.1.1) and that the CSeq method matches (RFC 3261 §8.1.1.5).
func validateRequest(req *sip.Request) error {
	switch {
	case req.From() == nil:
		return withStatus(400, "Missing From", ErrBadRequest)
	case req.To() == nil:
		return withStatus(400, "Missing To", ErrBadRequest)
	case req.CallID() == nil || req.CallID().Value() == "":
		return withStatus(400, "Missing Call-ID", ErrBadRequest)
	case req.CSeq() == nil:
		return withStatus(400, "Missing CSeq", ErrBadRequest)
	case req.Via() == nil:
		return withStatus(400, "Missing Via", ErrBadRequest)
	}
	if req.CSeq().MethodName != req.Method {
		return withStatus(400, "CSeq Method Mismatch", fmt.Errorf("%w: CSeq method %s on %s", ErrBadRequest, req.CSeq().MethodName, req.Method))
	}
	if req.Recipient.Host == "" {
		return withStatus(400, "Bad Request-URI", ErrBadRequest)
	}
	return nil
}

// checkRequire refuses option tags we do not support with 420 and an
// Unsupported header listing them (RFC 3261 §8.2.2.3).
func checkRequire(req *sip.Request) error {
	var unsupported []string
	for _, h := range req.GetHeaders("Require") {
		for _, tag := range strings.Split(h.Value(), ",") {
			tag = strings.TrimSpace(tag)
			if tag != "" && !optionSupported(tag) {
				unsupported = append(unsupported, tag)
			}
		}
	}
	if len(unsupported) == 0 {
		return nil
	}
	return withStatus(420, "", fmt.Errorf("%w: %s", ErrBadExtension, strings.Join(unsupported, ", ")),
		sip.NewHeader("Unsupported", strings.Join(unsupported, ", ")))
}

func optionSupported(tag string) bool {
	for _, o := range supportedOptions {
		if strings.EqualFold(o, tag) {
			return true
		}
	}
	return false
}

// allowHeader builds the Allow header value.
func allowHeader() sip.Header {
	names := make([]string, len(allowedMethods))
	for i, m := range allowedMethods {
		names[i] = string(m)
	}
	return sip.NewHeader("Allow", strings.Join(names, ", "))
}

// handleOptions answers OPTIONS with our capabilities (RFC 3261 §11.2).
// Only requests for a domain we serve are answered; an OPTIONS for another
// domain would need forwarding, which this server does not do for OPTIONS.
func (s *Server) handleOptions(req *sip.Request, tx sip.ServerTransaction) error {
	if toTag(req) != "" {
		return s.handleInDialog(req, tx)
	}
	if !s.servesHost(req.Recipient.Host) {
		return withStatus(404, "Domain Not Served", fmt.Errorf("%w: %s", ErrUnknownDomain, req.Recipient.Host))
	}
	s.reply(req, tx, 200, "OK",
		allowHeader(),
		sip.NewHeader("Accept", "application/sdp"),
		sip.NewHeader("Accept-Encoding", "identity"),
		sip.NewHeader("Accept-Language", "en"),
		sip.NewHeader("Supported", strings.Join(supportedOptions, ", ")),
	)
	return nil
}

// handleNoRoute answers methods without a handler: 405 with Allow for
// methods SIP defines, 501 for the rest (RFC 3261 §8.2.1). ACK is absorbed.
func (s *Server) handleNoRoute(req *sip.Request, tx sip.ServerTransaction) error {
	if req.Method == sip.ACK {
		return nil
	}
	if knownMethods[req.Method] {
		return withStatus(405, "", fmt.Errorf("method %s not handled", req.Method), allowHeader())
	}
	return withStatus(501, "", fmt.Errorf("unknown method %q", string(req.Method)), allowHeader())
}

// handleStrayCancel answers a CANCEL that matched no INVITE transaction
// (RFC 3261 §9.2: 481).
func (s *Server) handleStrayCancel(req *sip.Request, tx sip.ServerTransaction) error {
	return withStatus(481, "", fmt.Errorf("%w: CANCEL without INVITE", ErrNoDialog))
}
