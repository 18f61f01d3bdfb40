package b2bua

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Blind transfer across the B2BUA (RFC 3515): a REFER from one party is
// relayed to the other in that party's own dialog, with the target named
// in our domain, and the other party's NOTIFYs about it (Event: refer,
// message/sipfrag bodies, RFC 3515 §2.4.4) come back the same way. The
// transferee then calls the target through callgate as a new, separately
// authenticated call, and the transferor hangs up its dialog.

// offerMethod reports whether a mid-call request may carry an SDP offer and
// so takes part in the one-offer-at-a-time rule (RFC 3261 §14.2).
func offerMethod(m sip.RequestMethod) bool {
	return m == sip.INVITE || m == sip.UPDATE
}

// copyTransferHeaders carries REFER's and NOTIFY's own headers across.
// Refer-To is rewritten to our domain so the transferee calls the target
// through callgate, whatever host the transferor named (topology hiding);
// Referred-By names the transferor as a user of ours (RFC 3892).
func (c *call) copyTransferHeaders(in, out *sip.Request) {
	switch in.Method {
	case sip.REFER:
		if h := in.GetHeader("Refer-To"); h != nil {
			out.AppendHeader(sip.NewHeader("Refer-To", c.inDomain(h.Value())))
		}
		if h := in.GetHeader("Referred-By"); h != nil {
			out.AppendHeader(sip.NewHeader("Referred-By", c.inDomain(h.Value())))
		}
	case sip.NOTIFY:
		for _, name := range []string{"Event", "Subscription-State"} {
			if h := in.GetHeader(name); h != nil {
				out.AppendHeader(sip.NewHeader(name, h.Value()))
			}
		}
	}
}

// inDomain rewrites the SIP URI in a name-addr to user@our domain; values
// it cannot read are passed as they are.
func (c *call) inDomain(v string) string {
	var u sip.Uri
	addr := v
	if i, j := strings.IndexByte(v, '<'), strings.IndexByte(v, '>'); i >= 0 && j > i {
		addr = v[i+1 : j]
	}
	if err := sip.ParseUri(addr, &u); err != nil || u.User == "" {
		return v
	}
	out := sip.Uri{Scheme: "sip", User: u.User, Host: c.s.cfg.Domain}
	return "<" + out.String() + ">"
}
