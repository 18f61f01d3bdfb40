package b2bua

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/emiago/sipgo/sip"
)

// handleRegister implements the registrar's processing of REGISTER in the
// order of RFC 3261 §10.3.
func (s *Server) handleRegister(req *sip.Request, tx sip.ServerTransaction) error {
	// Step 1: the Request-URI names a domain we serve.
	if !s.servesHost(req.Recipient.Host) {
		return withStatus(404, "Domain Not Served", fmt.Errorf("%w: %s", ErrUnknownDomain, req.Recipient.Host))
	}
	// Step 3: authenticate (step 2, Require, was checked by handle).
	who, err := s.authenticate(req)
	if err != nil {
		return err
	}
	user := who.user
	// Step 4: the authenticated user may change only its own bindings.
	to := req.To().Address
	if !s.servesHost(to.Host) {
		return withStatus(404, "Domain Not Served", fmt.Errorf("%w: To host %s", ErrUnknownDomain, to.Host))
	}
	if to.User != user {
		return withStatus(403, "", fmt.Errorf("%w: user %q registering %q", ErrNotAuthorized, user, to.User))
	}
	aor := user + "@" + strings.ToLower(s.cfg.Domain)

	now := time.Now()
	updates, wildcard, err := s.parseContacts(req, now)
	if err != nil {
		return err
	}
	ctx := s.ctx
	switch {
	case wildcard:
		// Step 6: "Contact: *" with Expires 0 removes every binding.
		if err := s.store.RemoveAOR(ctx, aor); err != nil {
			return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
		}
		s.log.Info("registrations removed", "aor", aor, "call_id", callID(req), "source", req.Source())
	case len(updates) > 0:
		if err := s.applyBindings(req, aor, updates, now); err != nil {
			return err
		}
	}

	// Step 8: answer with every current binding and its remaining expiry.
	current, err := s.store.Lookup(ctx, aor, now)
	if err != nil {
		return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
	}
	hdrs := make([]sip.Header, 0, len(current)+3)
	outbound := false
	for _, b := range current {
		hdrs = append(hdrs, sip.NewHeader("Contact", bindingContact(b, now)))
		outbound = outbound || b.RegID != 0
	}
	hdrs = append(hdrs, sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	if outbound && supports(req, "outbound") {
		// RFC 5626 §6: a registrar that honours reg-id says so in Require.
		hdrs = append(hdrs, sip.NewHeader("Require", "outbound"))
	}
	s.reply(req, tx, 200, "OK", hdrs...)
	return nil
}

// contactUpdate is one Contact of a REGISTER with its granted expiry.
type contactUpdate struct {
	hdr     *sip.ContactHeader
	uri     string
	expires time.Duration // 0 removes
	q       float64
}

// parseContacts reads the Contact headers with their expiry (RFC 3261
// §10.2.1.1: the contact's expires parameter, else the Expires header, else
// the registrar's default). It refuses the whole request with 423 when any
// interval is below the minimum (RFC 3261 §10.3 step 7, before any change).
func (s *Server) parseContacts(req *sip.Request, now time.Time) ([]contactUpdate, bool, error) {
	hdrExpires := time.Duration(-1)
	if h := req.GetHeader("Expires"); h != nil {
		secs, err := parseDeltaSeconds(h.Value())
		if err != nil {
			return nil, false, withStatus(400, "Invalid Expires", fmt.Errorf("%w: Expires %q", ErrBadRequest, h.Value()))
		}
		hdrExpires = secs
	}

	var out []contactUpdate
	wildcard := false
	raw := req.GetHeaders("Contact")
	for _, h := range raw {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, false, withStatus(400, "Invalid Contact", fmt.Errorf("%w: unparsable Contact", ErrBadRequest))
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		exp := hdrExpires
		if v, ok := c.Params.Get("expires"); ok {
			secs, err := parseDeltaSeconds(v)
			if err != nil {
				return nil, false, withStatus(400, "Invalid Contact Expires", fmt.Errorf("%w: expires=%q", ErrBadRequest, v))
			}
			exp = secs
		}
		if exp < 0 {
			exp = s.cfg.Registrar.DefaultExpires
		}
		q := 1.0
		if v, ok := c.Params.Get("q"); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 || math.IsNaN(f) {
				return nil, false, withStatus(400, "Invalid q-value", fmt.Errorf("%w: q=%q", ErrBadRequest, v))
			}
			q = f
		}
		if c.Address.Host == "" {
			return nil, false, withStatus(400, "Invalid Contact", fmt.Errorf("%w: Contact without host", ErrBadRequest))
		}
		out = append(out, contactUpdate{hdr: c, uri: contactURI(c), expires: exp, q: q})
	}

	if wildcard {
		// RFC 3261 §10.2.2: "*" only alone and only with Expires: 0.
		if len(raw) != 1 || hdrExpires != 0 {
			return nil, false, withStatus(400, "Invalid Wildcard Contact", fmt.Errorf("%w: Contact * needs Expires: 0 and no other contact", ErrBadRequest))
		}
		return nil, true, nil
	}

	min := s.cfg.Registrar.MinExpires
	for i := range out {
		if out[i].expires > 0 && out[i].expires < min {
			secs := strconv.Itoa(int(min / time.Second))
			return nil, false, withStatus(423, "", fmt.Errorf("%w: %s < %s", ErrIntervalTooBrief, out[i].expires, min),
				sip.NewHeader("Min-Expires", secs))
		}
		if out[i].expires > s.cfg.Registrar.MaxExpires {
			out[i].expires = s.cfg.Registrar.MaxExpires
		}
	}
	return out, false, nil
}

// applyBindings stores or removes each contact after the Call-ID/CSeq
// ordering check of RFC 3261 §10.3 step 7.
func (s *Server) applyBindings(req *sip.Request, aor string, updates []contactUpdate, now time.Time) error {
	ctx := s.ctx
	existing, err := s.store.Lookup(ctx, aor, now)
	if err != nil {
		return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
	}
	cid := callID(req)
	cseq := req.CSeq().SeqNo
	for _, u := range updates {
		for _, b := range existing {
			if b.Contact == u.uri && b.CallID == cid && cseq <= b.CSeq {
				return withStatus(500, "Out Of Order Registration",
					fmt.Errorf("%w: CSeq %d not above %d for %s", ErrOutOfOrder, cseq, b.CSeq, u.uri))
			}
		}
	}

	transport := flowTransport(req)
	for _, u := range updates {
		if u.expires == 0 {
			if err := s.store.Remove(ctx, aor, u.uri); err != nil {
				return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
			}
			s.log.Info("registration removed", "aor", aor, "contact", u.uri, "call_id", cid, "source", req.Source())
			continue
		}
		b := location.Binding{
			AOR:       aor,
			Contact:   u.uri,
			Expires:   now.Add(u.expires),
			Q:         u.q,
			CallID:    cid,
			CSeq:      cseq,
			Transport: transport,
			Source:    req.Source(),
			UpdatedAt: now,
		}
		if ua := req.GetHeader("User-Agent"); ua != nil {
			b.UserAgent = ua.Value()
		}
		// RFC 5626 §4.2: the instance ID and reg-id identify the flow.
		if v, ok := u.hdr.Params.Get("+sip.instance"); ok {
			b.InstanceID = v
		}
		if v, ok := u.hdr.Params.Get("reg-id"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return withStatus(400, "Invalid reg-id", fmt.Errorf("%w: reg-id=%q", ErrBadRequest, v))
			}
			b.RegID = n
		}
		if transport == "WS" || transport == "WSS" {
			// RFC 7118 §5: the binding belongs to this WebSocket only.
			b.ConnID = req.Source()
		}
		if err := s.store.Put(ctx, b); err != nil {
			return withStatus(500, "", fmt.Errorf("%w: %w", ErrStore, err))
		}
		s.log.Info("registered", "aor", aor, "contact", u.uri, "transport", transport, "source", b.Source,
			"expires", int(u.expires/time.Second), "call_id", cid)
	}
	return nil
}

// bindingContact renders a binding for the 200 OK with the remaining expiry
// (RFC 3261 §10.3 step 8; SIP.js discards a 2xx without it).
func bindingContact(b location.Binding, now time.Time) string {
	left := int(math.Ceil(b.Expires.Sub(now).Seconds()))
	if left < 0 {
		left = 0
	}
	var sb strings.Builder
	sb.WriteString("<")
	sb.WriteString(b.Contact)
	sb.WriteString(">;expires=")
	sb.WriteString(strconv.Itoa(left))
	if b.Q != 1 {
		sb.WriteString(";q=")
		sb.WriteString(strconv.FormatFloat(b.Q, 'f', -1, 64))
	}
	if b.InstanceID != "" {
		sb.WriteString(";+sip.instance=")
		sb.WriteString(b.InstanceID)
	}
	if b.RegID != 0 {
		sb.WriteString(";reg-id=")
		sb.WriteString(strconv.Itoa(b.RegID))
	}
	return sb.String()
}

// contactURI is the binding key: the Contact URI without header params.
func contactURI(c *sip.ContactHeader) string {
	return c.Address.String()
}

// flowTransport names the transport of the request's flow. Requests from
// browsers arrive on the WS transport; their Via tells WS from WSS.
func flowTransport(req *sip.Request) string {
	tp := strings.ToUpper(req.Transport())
	if tp == "WS" {
		if v := req.Via(); v != nil && strings.EqualFold(v.Transport, "WSS") {
			return "WSS"
		}
	}
	return tp
}

// parseDeltaSeconds parses a delta-seconds value (RFC 3261 §25.1); values
// beyond 2^32-1 are treated as 2^32-1 (RFC 3261 §20.19).
func parseDeltaSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, fmt.Errorf("empty delta-seconds")
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("delta-seconds %q is not a number", v)
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > math.MaxUint32 {
		n = math.MaxUint32
	}
	return time.Duration(n) * time.Second, nil
}

// servesHost reports whether host names this gateway: the domain, an alias
// or an IP literal.
func (s *Server) servesHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == strings.ToLower(s.cfg.Domain) {
		return true
	}
	for _, a := range s.cfg.Aliases {
		if h == strings.ToLower(a) {
			return true
		}
	}
	_, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil
}

// supports reports whether the request lists tag in Supported.
func supports(req *sip.Request, tag string) bool {
	for _, h := range req.GetHeaders("Supported") {
		for _, t := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), tag) {
				return true
			}
		}
	}
	return false
}
