package trunk

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// keep is the client request option that sends a request exactly as built
// here: sipgo adds nothing and rewrites nothing.
func keep(*sipgo.Client, *sip.Request) error { return nil }

// maxForwards is the initial Max-Forwards (RFC 3261 §8.1.1.6).
const maxForwards = 70

// outRequest describes an out-of-dialog request to the carrier.
type outRequest struct {
	method  sip.RequestMethod
	dest    string // "ip:port"
	ruri    sip.Uri
	from    sip.Uri
	fromTag string
	to      sip.Uri
	callID  string
	cseq    uint32
	contact *sip.ContactHeader
	extra   []sip.Header
}

// build assembles a complete request (RFC 3261 §8.1.1): Via with our
// address, rport (RFC 3581 §3) and a fresh branch (§8.1.1.7), Max-Forwards,
// From with tag, To, Call-ID, CSeq, optional Contact, User-Agent, the extra
// headers and Content-Length, aimed at dest over the trunk's transport.
func (t *Trunk) build(o outRequest) *sip.Request {
	host, port := t.local(o.dest)
	req := sip.NewRequest(o.method, o.ruri)
	via := &sip.ViaHeader{
		ProtocolName:    "SIP",
		ProtocolVersion: "2.0",
		Transport:       t.cfg.Transport,
		Host:            host,
		Port:            port,
		Params:          sip.NewParams(),
	}
	via.Params.Add("branch", sip.GenerateBranchN(16))
	via.Params.Add("rport", "")
	req.AppendHeader(via)
	mf := sip.MaxForwardsHeader(maxForwards)
	req.AppendHeader(&mf)
	from := &sip.FromHeader{Address: o.from, Params: sip.NewParams()}
	from.Params.Add("tag", o.fromTag)
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: o.to, Params: sip.NewParams()})
	cid := sip.CallIDHeader(o.callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: o.cseq, MethodName: o.method})
	if o.contact != nil {
		req.AppendHeader(o.contact)
	}
	req.AppendHeader(sip.NewHeader("User-Agent", t.set.opts.UserAgent))
	for _, h := range o.extra {
		req.AppendHeader(h)
	}
	req.SetBody(nil) // Content-Length: 0, needed on streams (RFC 3261 §20.14)
	req.SetTransport(t.cfg.Transport)
	req.SetDestination(o.dest)
	if f := t.set.opts.SendFrom; f != nil {
		if la := f(t.cfg.Transport, o.dest); la.IP != nil {
			req.Laddr = la
		}
	}
	return req
}

// requestURI returns sip:<Domain> with a transport parameter for stream
// transports (RFC 3261 §19.1.1).
func (t *Trunk) requestURI(user string) sip.Uri {
	u := sip.Uri{Scheme: "sip", User: user, Host: t.cfg.Domain}
	if t.cfg.Transport != "UDP" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", strings.ToLower(t.cfg.Transport))
	}
	return u
}

// local returns our host and port for Via and Contact toward dest.
func (t *Trunk) local(dest string) (string, int) {
	if f := t.set.opts.LocalAddr; f != nil {
		h, p := f(t.cfg.Transport, dest)
		return strings.Trim(h, "[]"), p
	}
	port := 0
	if c := t.set.opts.Client; c != nil {
		port = c.TransportLayer().GetListenPort(strings.ToLower(t.cfg.Transport))
	}
	return routeSource(dest).String(), port
}

// routeSource asks the kernel which local address reaches dest; connecting
// a UDP socket sends nothing.
func routeSource(dest string) netip.Addr {
	if ap, err := netip.ParseAddrPort(dest); err == nil {
		if c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(ap)); err == nil {
			defer c.Close()
			if la, ok := c.LocalAddr().(*net.UDPAddr); ok {
				return la.AddrPort().Addr().Unmap()
			}
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// send runs req as a client transaction and returns its final response.
func (t *Trunk) send(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	return t.set.opts.Client.Do(ctx, req, keep)
}

// newCallID returns a random Call-ID (RFC 3261 §8.1.1.4).
func newCallID() string { return sip.GenerateTagN(24) }
