package b2bua

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/callgate/callgate/b2bua/hep"
	"github.com/emiago/sipgo/sip"
)

// sipgo reports every SIP message its transports read and write to one
// process-wide tracer when sip.SIPDebug is set. It is set here, before
// any transport runs, and the tracer hands each message to the exporter
// of the gateway whose listening port it passed through; with no
// exporter registered it costs a map lookup.
func init() {
	sip.SIPDebugTracer(captureTracer)
	sip.SIPDebug = true
}

// captureTracer is the process's sipgo tracer.
var captureTracer = &tracer{byPort: map[uint16]*hep.Exporter{}}

// tracer routes captured messages to HEP exporters by local port.
type tracer struct {
	mu     sync.RWMutex
	byPort map[uint16]*hep.Exporter
}

// register sends messages through local port to e (nil removes).
func (t *tracer) register(port uint16, e *hep.Exporter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e == nil {
		delete(t.byPort, port)
		return
	}
	t.byPort[port] = e
}

// SIPTraceRead captures a message received from raddr on laddr.
func (t *tracer) SIPTraceRead(transport, laddr, raddr string, msg []byte) {
	t.capture(transport, raddr, laddr, laddr, msg)
}

// SIPTraceWrite captures a message sent from laddr to raddr.
func (t *tracer) SIPTraceWrite(transport, laddr, raddr string, msg []byte) {
	t.capture(transport, laddr, raddr, laddr, msg)
}

func (t *tracer) capture(transport, src, dst, local string, msg []byte) {
	lp, err := netip.ParseAddrPort(local)
	if err != nil {
		return
	}
	t.mu.RLock()
	e := t.byPort[lp.Port()]
	t.mu.RUnlock()
	if e == nil || len(msg) == 0 {
		return
	}
	s, _ := netip.ParseAddrPort(src)
	d, _ := netip.ParseAddrPort(dst)
	proto := hep.ProtoUDP
	if !strings.EqualFold(transport, "UDP") {
		proto = hep.ProtoTCP
	}
	e.Send(hep.Packet{Src: s, Dst: d, Proto: proto, Type: hep.TypeSIP, CorrelationID: sipCallID(msg), Payload: msg})
}

// sipCallID finds the Call-ID header value (or its compact form "i",
// RFC 3261 §7.3.3) in a raw message for HEP correlation; "" if absent.
func sipCallID(msg []byte) string {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(msg)
	}
	head := msg[:end]
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name := bytes.TrimSpace(line[:colon])
		if bytes.EqualFold(name, []byte("Call-ID")) || bytes.EqualFold(name, []byte("i")) {
			return string(bytes.TrimSpace(line[colon+1:]))
		}
	}
	return ""
}

// captureWS sends a SIP message carried on a browser's WebSocket to the HEP
// collector: sipgo sees those through an in-memory pipe, so its tracer
// cannot tell where they came from.
func (s *Server) captureWS(src, dst net.Addr, msg []byte) {
	if s.capture == nil || len(msg) == 0 {
		return
	}
	sa, _ := netip.ParseAddrPort(src.String())
	da, _ := netip.ParseAddrPort(dst.String())
	s.capture.Send(hep.Packet{Src: sa, Dst: da, Proto: hep.ProtoTCP, Type: hep.TypeSIP, CorrelationID: sipCallID(msg), Payload: msg})
}
