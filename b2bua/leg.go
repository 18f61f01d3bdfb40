package b2bua

import (
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// leg is one SIP dialog of a call (RFC 3261 §12): the caller's dialog, in
// which callgate is the UAS, or a callee's, in which callgate is the UAC.
// Only the call's goroutine touches a leg after set-up.
type leg struct {
	name      string // "caller" or "callee", for logs
	callID    string
	localTag  string
	remoteTag string
	localURI  sip.Uri // our side's From/To address on this leg
	localName string  // display name we present
	remoteURI sip.Uri // peer's From/To address
	remoteDN  string
	// remoteTarget is the peer's Contact (RFC 3261 §12.1.1), the
	// Request-URI of our in-dialog requests.
	remoteTarget sip.Uri
	routeSet     []sip.Uri
	transport    string // UDP, TCP, TLS or WS
	dest         string // where requests go: NAT source or WebSocket flow key
	contact      sip.Uri
	localSeq     uint32
	remoteSeq    uint32
	// noUpdate: the peer's Allow header left UPDATE out (SIP.js does), so
	// offers go to it as re-INVITEs (GUIDE §3).
	noUpdate bool
	// st is the leg's session timer (RFC 4028), nil without one.
	st *sessionTimer
	// lastSDP is the SDP we last sent on this leg, for refreshes by
	// re-INVITE.
	lastSDP []byte
	// sent is closed once the last request sendInOrder sent on this leg
	// was answered or given up on; nil before the first (inorder.go).
	sent chan struct{}
}

// nextSeq returns the CSeq for our next request on this leg (RFC 3261 §12.2.1.1).
func (l *leg) nextSeq() uint32 {
	l.localSeq++
	return l.localSeq
}

// newRequest builds an in-dialog request (RFC 3261 §12.2.1.1): Request-URI
// from the remote target, To/From with the dialog's tags, the route set.
func (s *Server) newRequest(l *leg, method sip.RequestMethod, seq uint32) *sip.Request {
	req := sip.NewRequest(method, l.remoteTarget)
	from := &sip.FromHeader{DisplayName: l.localName, Address: l.localURI, Params: sip.NewParams()}
	from.Params.Add("tag", l.localTag)
	to := &sip.ToHeader{DisplayName: l.remoteDN, Address: l.remoteURI, Params: sip.NewParams()}
	if l.remoteTag != "" {
		to.Params.Add("tag", l.remoteTag)
	}
	cid := sip.CallIDHeader(l.callID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	for _, r := range l.routeSet {
		req.AppendHeader(&sip.RouteHeader{Address: r})
	}
	req.AppendHeader(&sip.ContactHeader{Address: l.contact})
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.ServerName))
	s.aim(req, l)
	return req
}

// aim sets the transport and the next hop of a request for leg l: the
// recorded flow, never a DNS name from a browser.
func (s *Server) aim(req *sip.Request, l *leg) {
	req.SetTransport(l.transport)
	req.SetDestination(l.dest)
	if l.transport == "UDP" {
		// Send from our listening socket so NAT bindings and the peer's
		// notion of our address hold (symmetric signalling).
		if la := s.udpLocal; la.IP != nil {
			req.Laddr = la
		}
	}
}

// dialogKey identifies a dialog from our side: Call-ID and our tag.
func dialogKey(callID, localTag string) string { return callID + "\x00" + localTag }

// contactFor builds our Contact for a leg reached over transport, naming an
// address the peer can send in-dialog requests to.
func (s *Server) contactFor(transport, localHost string, localPort int) sip.Uri {
	u := sip.Uri{Scheme: "sip", User: "callgate", Host: localHost, Port: localPort}
	if transport != "UDP" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", strings.ToLower(transport))
	}
	return u
}

// hostPort splits "host:port" leniently.
func hostPort(addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, 0
	}
	p, _ := strconv.Atoi(addr[i+1:])
	return strings.Trim(addr[:i], "[]"), p
}

// allowsUpdate reads an Allow header: false only when one is present and
// does not list UPDATE (RFC 3261 §20.5; RFC 3311 §5.1).
func allowsUpdate(m interface{ GetHeaders(string) []sip.Header }) bool {
	hs := m.GetHeaders("Allow")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, v := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(v), "UPDATE") {
				return true
			}
		}
	}
	return false
}
