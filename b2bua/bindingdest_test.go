package b2bua

import (
	"testing"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/emiago/sipgo/sip"
)

func TestBindingDest(t *testing.T) {
	uri := func(s string) sip.Uri {
		u, err := parseURI(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, tc := range []struct {
		name          string
		b             location.Binding
		contact       string
		wantTransport string
		wantDest      string
	}{
		{"websocket flow", location.Binding{Transport: "WSS", ConnID: "198.51.100.7:50123", Source: "198.51.100.7:50123"}, "sip:x@abc.invalid;transport=ws", "WS", "198.51.100.7:50123"},
		{"udp same ip", location.Binding{Transport: "UDP", Source: "192.0.2.10:40000"}, "sip:1000@192.0.2.10:5062", "UDP", "192.0.2.10:5062"},
		{"udp behind nat", location.Binding{Transport: "UDP", Source: "203.0.113.5:61000"}, "sip:1000@10.0.0.5:5060", "UDP", "203.0.113.5:61000"},
		{"udp hostname contact", location.Binding{Transport: "UDP", Source: "203.0.113.5:61000"}, "sip:1000@phone.example", "UDP", "203.0.113.5:61000"},
		{"udp outbound flow", location.Binding{Transport: "UDP", Source: "192.0.2.10:40000", RegID: 1}, "sip:1000@192.0.2.10:5062", "UDP", "192.0.2.10:40000"},
		{"tcp flow", location.Binding{Transport: "TCP", Source: "192.0.2.10:40001"}, "sip:1000@192.0.2.10:5060;transport=tcp", "TCP", "192.0.2.10:40001"},
		{"restored, no source", location.Binding{Transport: "UDP"}, "sip:1000@192.0.2.10", "UDP", "192.0.2.10:5060"},
	} {
		tp, dest := bindingDest(tc.b, uri(tc.contact))
		if tp != tc.wantTransport || dest != tc.wantDest {
			t.Errorf("%s: got %s %s, want %s %s", tc.name, tp, dest, tc.wantTransport, tc.wantDest)
		}
	}
}
