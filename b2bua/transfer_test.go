package b2bua_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestBrowserBlindTransfersPhone(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	carol := newDeskPhone(t, g, "1002")
	carol.register()

	// Alice (JsSIP) transfers bob to 1002, naming a host of her own.
	seq := res.CSeq().SeqNo + 1
	var s strings.Builder
	fmt.Fprintf(&s, "REFER %s SIP/2.0\r\nVia: SIP/2.0/WS %s;branch=z9hG4bKrefer%d\r\nMax-Forwards: 69\r\nTo: %s\r\nFrom: %s\r\nCall-ID: %s\r\nCSeq: %d REFER\r\n",
		res.Contact().Address.String(), alice.host, callCounter.Add(1), res.To().Value(), res.From().Value(), res.CallID().Value(), seq)
	fmt.Fprintf(&s, "Contact: <sip:jc@%s;transport=ws;ob>\r\nRefer-To: <sip:1002@elsewhere.invalid>\r\nReferred-By: <sip:1000@localhost>\r\nContent-Length: 0\r\n\r\n", alice.host)
	alice.send(s.String())
	if r := alice.nextResponse(200); r.StatusCode != 202 {
		t.Fatalf("REFER: %s", r.StartLine())
	}
	refer := wait(t, bob.refers, 2*time.Second, "REFER at bob")
	if to := refer.GetHeader("Refer-To").Value(); to != "<sip:1002@localhost>" {
		t.Fatalf("bob was referred to %q, want 1002 in our domain", to)
	}
	if by := refer.GetHeader("Referred-By"); by == nil || !strings.Contains(by.Value(), "1000@") {
		t.Fatalf("Referred-By %v", by)
	}

	// Bob calls carol as told and reports progress with NOTIFYs.
	notify := func(frag string) {
		req := sip.NewRequest(sip.NOTIFY, dss.InviteRequest.Contact().Address)
		req.AppendHeader(sip.NewHeader("Event", "refer"))
		req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
		req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
		req.SetBody([]byte(frag))
		go func() { _, _ = dss.Do(ctx10(t), req) }()
		n := wait(t, alice.reqs, 3*time.Second, "NOTIFY at alice")
		if n.Method != sip.NOTIFY || !strings.HasPrefix(string(n.Body()), frag) || n.GetHeader("Event").Value() != "refer" {
			t.Fatalf("alice got %s %q", n.Method, n.Body())
		}
		alice.reply(n, 200, "", "")
	}
	sess, code, err := bob.call(ctx10(t), "1002", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("bob calling carol after the REFER: %d %v", code, err)
	}
	_ = sess.Ack(ctx10(t))
	wait(t, carol.acks, 2*time.Second, "ACK at carol")
	notify("SIP/2.0 200 OK")

	// Alice leaves; bob and carol stay connected.
	if r := alice.inDialog(res, "BYE", seq+1, ""); r.StatusCode != 200 {
		t.Fatalf("alice's BYE: %s", r.StartLine())
	}
	wait(t, bob.byes, 2*time.Second, "BYE for bob's old dialog")
	eventually(t, 3*time.Second, "only the new call left", func() bool { return g.srv.ActiveCalls() == 1 })
	_ = sess.Bye(ctx10(t))
	eventually(t, 3*time.Second, "no calls left", func() bool { return g.srv.ActiveCalls() == 0 })
}
