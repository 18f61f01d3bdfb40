package location

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"
)

func sampleBinding() Binding {
	return Binding{
		AOR:        "alice@example.com",
		Contact:    "sip:alice@192.0.2.1:5062;transport=udp",
		Expires:    time.Unix(1893456000, 123456789).UTC(),
		Q:          0.7,
		CallID:     "a84b4c76e66710",
		CSeq:       math.MaxUint32,
		InstanceID: "<urn:uuid:00000000-0000-1000-8000-000a95a0e128>",
		RegID:      -3,
		Transport:  "UDP",
		Source:     "[2001:db8::1]:5062",
		ConnID:     "",
		UserAgent:  "Softphone/1.0 (ünïcode)",
		UpdatedAt:  time.Unix(1893452400, 1).UTC(),
	}
}

func TestRecordRoundTrip(t *testing.T) {
	in := sampleBinding()
	got, err := decodeRecord(encodeRecord(&in))
	if err != nil {
		t.Fatal(err)
	}
	if !sameBinding(got, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
	}
}

func TestRecordDecodeErrors(t *testing.T) {
	valid := sampleBinding()
	enc := encodeRecord(&valid)
	noExpiry := valid
	noExpiry.Expires = time.Time{}
	cases := map[string][]byte{
		"empty":          nil,
		"version only":   {recordVersion},
		"unknown ver":    append([]byte{2}, enc[1:]...),
		"truncated":      enc[:len(enc)-1],
		"trailing":       append(bytes.Clone(enc), 0),
		"huge string":    {recordVersion, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"invalid record": encodeRecord(&noExpiry),
	}
	for name, data := range cases {
		if _, err := decodeRecord(data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", name, err)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	b := sampleBinding()
	f.Add(encodeRecord(&b))
	b.InstanceID, b.RegID, b.Transport, b.ConnID = "", 0, "TCP", "198.51.100.2:40000"
	f.Add(encodeRecord(&b))
	f.Add([]byte{})
	f.Add([]byte{recordVersion})
	f.Add([]byte{recordVersion, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodeRecord(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := decodeRecord(encodeRecord(&got))
		if err != nil {
			t.Fatalf("re-decoding an accepted record: %v", err)
		}
		if !sameBinding(got, again) {
			t.Fatalf("unstable round trip:\n%+v\n%+v", got, again)
		}
	})
}
