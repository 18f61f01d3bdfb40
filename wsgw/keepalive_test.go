package wsgw

import "testing"

func TestClassifyKeepAlive(t *testing.T) {
	tests := []struct {
		in   string
		want keepAliveKind
	}{
		{"\r\n\r\n", keepAliveRecv},
		{"\r\n", keepAliveNoop},
		{"\n\n", keepAliveNoop},
		{"\r\n\r\n\r\n", keepAliveNoop},
		{"", keepAliveNoop},
		{"\r\n\r\nX", notKeepAlive},
		{" \r\n\r\n", notKeepAlive},
		{"OPTIONS sip:x SIP/2.0\r\n\r\n", notKeepAlive},
	}
	for _, tt := range tests {
		if got := classifyKeepAlive([]byte(tt.in)); got != tt.want {
			t.Errorf("classifyKeepAlive(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
