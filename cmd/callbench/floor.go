package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The sipgo floor. callgate's SIP stack is sipgo; how many calls per second
// sipgo itself can carry on this machine bounds what callgate can reach.
// The floor is the least a B2BUA built on sipgo does for a call: it
// answers the caller's INVITE with the same 407 challenge callgate sends
// (and takes any credentials), places a second INVITE of its own dialog to
// the sipp UAS with the caller's SDP untouched, answers the caller with the
// callee's SDP once the callee answered, ACKs the callee, and passes the
// caller's BYE on. There is no SDP rewriting, no RTP port, no routing, no
// registration lookup and no logging, so the floor's rate is an upper
// bound for any sipgo B2BUA. callbench runs it as a child process of its
// own binary (-floor-serve) so that its CPU is measured like callgate's.

// floorRealm is the realm of the floor's challenge.
const floorRealm = "floor"

// floorMain runs the floor B2BUA until interrupted: it listens on UDP at
// 127.0.0.1, prints "sip_udp=ADDR" and relays every call to uas.
func floorMain(uas string) error {
	// sipgo logs through the default logger; none of it on the floor's
	// hot path.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	f, err := newFloor(uas)
	if err != nil {
		return err
	}
	defer f.close()
	fmt.Printf("sip_udp=%s\n", f.addr)
	return f.serve()
}

// newFloor makes a floor B2BUA listening on a free UDP port of 127.0.0.1
// that relays calls to the UAS at uas.
func newFloor(uas string) (*floor, error) {
	host, portText, err := net.SplitHostPort(uas)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, err
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("floor"))
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		ua.Close()
		return nil, err
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		ua.Close()
		return nil, err
	}
	local := conn.LocalAddr().(*net.UDPAddr)
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(local.Port))
	if err != nil {
		conn.Close()
		ua.Close()
		return nil, err
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: local.Port}}
	f := &floor{
		ua:      ua,
		srv:     srv,
		conn:    conn,
		addr:    local.String(),
		callers: sipgo.NewDialogServerCache(cli, contact),
		callees: sipgo.NewDialogClientCache(cli, contact),
		uas:     sip.Uri{Scheme: "sip", User: "uas", Host: host, Port: port},
		legs:    map[string]*sipgo.DialogClientSession{},
	}
	srv.OnInvite(f.invite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = f.callers.ReadAck(req, tx) })
	srv.OnBye(f.bye)
	return f, nil
}

// serve handles SIP until close.
func (f *floor) serve() error { return f.srv.ServeUDP(f.conn) }

// close stops serving.
func (f *floor) close() {
	_ = f.conn.Close()
	_ = f.ua.Close()
}

// floor is the floor B2BUA's state: the two dialog caches and, per caller
// dialog, the callee's.
type floor struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	conn    net.PacketConn
	addr    string
	callers *sipgo.DialogServerCache
	callees *sipgo.DialogClientCache
	uas     sip.Uri

	mu   sync.Mutex
	legs map[string]*sipgo.DialogClientSession
}

// invite challenges an INVITE without credentials, as callgate does, and
// bridges one with them to the UAS.
func (f *floor) invite(req *sip.Request, tx sip.ServerTransaction) {
	if req.GetHeader("Proxy-Authorization") == nil {
		res := sip.NewResponseFromRequest(req, sip.StatusProxyAuthRequired, "Proxy Authentication Required", nil)
		res.AppendHeader(sip.NewHeader("Proxy-Authenticate",
			`Digest realm="`+floorRealm+`", nonce="`+strconv.FormatInt(time.Now().UnixNano(), 36)+`", algorithm=MD5, qop="auth"`))
		_ = tx.Respond(res)
		return
	}
	caller, err := f.callers.ReadInvite(req, tx)
	if err != nil {
		return
	}
	_ = caller.Respond(sip.StatusTrying, "Trying", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	callee, err := f.callees.Invite(ctx, f.uas, req.Body(), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		_ = caller.Respond(sip.StatusServiceUnavailable, "Service Unavailable", nil)
		_ = caller.Close()
		return
	}
	if err := callee.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		_ = callee.Close()
		_ = caller.Respond(sip.StatusServiceUnavailable, "Service Unavailable", nil)
		_ = caller.Close()
		return
	}
	_ = callee.Ack(ctx)
	f.mu.Lock()
	f.legs[caller.ID] = callee
	f.mu.Unlock()
	// Blocks until the caller's ACK (RFC 3261 §13.3.1.4).
	_ = caller.RespondSDP(callee.InviteResponse.Body())
}

// bye ends the caller's dialog and then the callee's.
func (f *floor) bye(req *sip.Request, tx sip.ServerTransaction) {
	caller, err := f.callers.MatchDialogRequest(req)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	_ = caller.ReadBye(req, tx)
	_ = caller.Close()
	f.mu.Lock()
	callee := f.legs[caller.ID]
	delete(f.legs, caller.ID)
	f.mu.Unlock()
	if callee == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	_ = callee.Bye(ctx)
	_ = callee.Close()
}

// startFloor runs this binary as the floor B2BUA toward the UAS at uas.
func startFloor(uas string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startChild(exec.Command(self, "-floor-serve", uas), "floor", nil, nil)
}
