package trunk

import (
	"errors"
	"testing"
)

func TestNormalizeE164(t *testing.T) {
	for _, tc := range []struct {
		in, cc, want string
	}{
		{"+442071234567", "", "+442071234567"},
		{"+44 (20) 7123-4567", "", "+442071234567"},
		{"+1.212.555.0100", "1", "+12125550100"},
		{"00442071234567", "49", "+442071234567"},
		{"0044 20 7123 4567", "", "+442071234567"},
		{"030 1234567", "49", "+49301234567"},
		{"(030) 123-4567", "49", "+49301234567"},
		{"0612345678", "33", "+33612345678"},
		{"+123456789012345", "", "+123456789012345"}, // 15 digits: the maximum
		{"000123", "", ""},                           // country code starting with 0
		{"+0123456", "", ""},                         // country code starting with 0
		{"", "49", ""},                               // empty
		{"   ", "49", ""},                            // separators only
		{"+", "49", ""},                              // no digits
		{"0301234", "", ""},                          // national without country code
		{"0301234", "0", ""},                         // bad country code
		{"0301234", "1234", ""},                      // bad country code
		{"0301234", "4a", ""},                        // bad country code
		{"301234567", "49", ""},                      // no prefix at all
		{"+1234567890123456", "", ""},
		{"0030123456789012345", "", ""},
		{"+49 30 1234x", "", ""},
		{"+49+301234", "", ""},
		{"49+301234", "", ""},
		{"+4930*1234", "", ""},
		{"+12", "", ""}, // too short
		{"01", "1", ""}, // too short: "+11"
		{"+49301234567890123456789012345678901234567890123456789012345678901", "", ""},
	} {
		got, err := NormalizeE164(tc.in, tc.cc)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrBadNumber) {
				t.Errorf("NormalizeE164(%q, %q) = %q, %v; want ErrBadNumber", tc.in, tc.cc, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeE164(%q, %q) = %q, %v; want %q", tc.in, tc.cc, got, err, tc.want)
		}
	}
}

func BenchmarkNormalizeE164(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NormalizeE164("(030) 123-4567", "49"); err != nil {
			b.Fatal(err)
		}
	}
}
