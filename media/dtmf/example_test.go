package dtmf_test

import (
	"fmt"
	"time"

	"github.com/callgate/callgate/media/dtmf"
)

// A press received as RFC 4733 at 48000 Hz from a browser leg is sent on
// to a G.711 phone as RFC 4733 at 8000 Hz, or as SIP INFO.
func Example() {
	var pressed []dtmf.Digit
	det, _ := dtmf.NewDetector(dtmf.DetectorConfig{ClockRate: 48000}, func(d dtmf.Digit) {
		pressed = append(pressed, d)
	})

	// What the browser sends: 2400 units = 50 ms at 48000 Hz; the end
	// packet three times.
	start := time.Now()
	for i, dur := range []uint16{2400, 4800, 7200, 7200, 7200} {
		ev := dtmf.Event{Code: dtmf.CodePound, End: i >= 2, Volume: 10, Duration: dur}
		payload, _ := ev.AppendBinary(nil)
		_ = det.Feed(start.Add(time.Duration(i)*50*time.Millisecond),
			dtmf.Packet{SSRC: 0x1234, Timestamp: 96000, Marker: i == 0, Payload: payload})
	}
	d := pressed[0]
	fmt.Println("pressed", d.Code, d.Duration)

	phone := dtmf.Peer{TelephoneEvent: true}
	switch dtmf.ModeAuto.Resolve(phone) {
	case dtmf.ModeRFC4733:
		gen, _ := dtmf.NewGenerator(dtmf.GeneratorConfig{ClockRate: 8000})
		_ = gen.Start(d.Code, d.Duration)
		base := uint32(160000) // the phone stream's timestamp at the press
		for p, ok := gen.Next(); ok; p, ok = gen.Next() {
			fmt.Printf("at %v: marker=%v ts=%d payload=%x\n", p.SendAt, p.Marker, base+p.TimestampOffset, p.Payload)
		}
	case dtmf.ModeInfo:
		fmt.Printf("INFO %s %q\n", dtmf.ContentTypeRelay, dtmf.AppendRelay(nil, d.Code, d.Duration))
	}

	fmt.Printf("to a browser: %v %q\n", dtmf.ModeAuto.Resolve(dtmf.Peer{TelephoneEvent: true, Browser: true}),
		dtmf.AppendRelay(nil, d.Code, d.Duration))
	// Output:
	// pressed # 150ms
	// at 50ms: marker=true ts=160000 payload=0b0a0190
	// at 100ms: marker=false ts=160000 payload=0b0a0320
	// at 150ms: marker=false ts=160000 payload=0b8a04b0
	// at 200ms: marker=false ts=160000 payload=0b8a04b0
	// at 250ms: marker=false ts=160000 payload=0b8a04b0
	// to a browser: info "Signal=#\r\nDuration=150\r\n"
}
