package codec

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// jbOp is one step of a jitter buffer scenario: a Push (seq, ts, at ms on
// the fake clock, expecting push) or a Pop (expecting pop and, for Play
// and Lost, the sequence number seq).
type jbOp struct {
	pop  bool
	seq  uint16
	ts   uint32
	at   int
	push PushResult
	res  PopResult
}

func push(seq uint16, ts uint32, at int, want PushResult) jbOp {
	return jbOp{seq: seq, ts: ts, at: at, push: want}
}

func pop(res PopResult, seq uint16) jbOp { return jbOp{pop: true, res: res, seq: seq} }

func TestJitterBufferScenarios(t *testing.T) {
	const wrapTS = 1<<32 - 320 // two packets before the timestamp wraps
	tests := []struct {
		name string
		ops  []jbOp
	}{
		{"in order", []jbOp{
			pop(Idle, 0),
			push(1, 160, 0, Accepted), pop(Play, 1),
			push(2, 320, 20, Accepted), pop(Play, 2),
			push(3, 480, 40, Accepted), pop(Play, 3),
			pop(Underrun, 4),
		}},
		{"reorder before start", []jbOp{
			// The first packet is not the first in sequence: the start
			// moves back instead of dropping the earlier one as late.
			push(11, 1760, 0, Accepted), push(10, 1600, 1, Accepted),
			pop(Play, 10), pop(Play, 11),
		}},
		{"reorder after start", []jbOp{
			push(1, 160, 0, Accepted), pop(Play, 1),
			push(3, 480, 21, Accepted), push(2, 320, 22, Accepted),
			pop(Play, 2), pop(Play, 3),
		}},
		{"duplicate", []jbOp{
			push(1, 160, 0, Accepted), push(2, 320, 20, Accepted),
			push(2, 320, 21, Duplicate),
			pop(Play, 1), pop(Play, 2),
			push(2, 320, 41, Late), // a copy of a packet already played
		}},
		{"late", []jbOp{
			push(1, 160, 0, Accepted), pop(Play, 1),
			pop(Underrun, 2), // 2 is not here; the buffer waits for it
			push(3, 480, 40, Accepted),
			pop(Lost, 2), // 3 waits: 2 is given up
			push(2, 320, 45, Late),
			pop(Play, 3),
		}},
		{"gap", []jbOp{
			push(1, 160, 0, Accepted), pop(Play, 1),
			push(2, 320, 20, Accepted), push(5, 800, 21, Accepted),
			pop(Play, 2), pop(Lost, 3), pop(Lost, 4), pop(Play, 5),
			pop(Underrun, 6),
		}},
		{"underrun then resume", []jbOp{
			// The sender paused (silence suppression): nothing is lost.
			push(1, 160, 0, Accepted), pop(Play, 1),
			pop(Underrun, 2), pop(Underrun, 2), pop(Underrun, 2),
			push(2, 8000, 200, Accepted), pop(Play, 2),
		}},
		{"sequence wrap", []jbOp{
			push(65534, 160, 0, Accepted), pop(Play, 65534),
			push(0, 480, 21, Accepted), push(65535, 320, 22, Accepted),
			pop(Play, 65535), pop(Play, 0),
			push(1, 640, 60, Accepted), pop(Play, 1),
			push(65533, 0, 61, Late),
		}},
		{"timestamp wrap", []jbOp{
			push(7, wrapTS, 0, Accepted), pop(Play, 7),
			push(8, wrapTS+160, 20, Accepted), pop(Play, 8),
			push(9, 0, 40, Accepted), pop(Play, 9),
			push(10, 160, 60, Accepted), pop(Play, 10),
		}},
		{"sequence jump restarts", []jbOp{
			push(100, 160, 0, Accepted), pop(Play, 100),
			push(5000, 9999, 20, Restarted), pop(Play, 5000),
			push(5001, 10159, 40, Accepted), pop(Play, 5001),
		}},
		{"too large", []jbOp{
			{seq: 1, push: TooLarge}, // payload size set below
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := NewJitterBuffer(JitterConfig{MaxPayload: 100})
			if err != nil {
				t.Fatal(err)
			}
			base := time.Unix(1000, 0)
			for i, op := range tt.ops {
				if op.pop {
					pkt, res := j.Pop()
					if res != op.res || ((res == Play || res == Lost) && pkt.Seq != op.seq) {
						t.Fatalf("op %d: Pop = %v seq %d, want %v seq %d", i, res, pkt.Seq, op.res, op.seq)
					}
					if res == Play && string(pkt.Payload) != fmt.Sprint(op.seq) {
						t.Fatalf("op %d: payload %q for seq %d", i, pkt.Payload, op.seq)
					}
					continue
				}
				payload := []byte(fmt.Sprint(op.seq))
				if op.push == TooLarge {
					payload = make([]byte, 101)
				}
				if got := j.Push(op.seq, op.ts, payload, base.Add(time.Duration(op.at)*time.Millisecond)); got != op.push {
					t.Fatalf("op %d: Push(%d) = %v, want %v", i, op.seq, got, op.push)
				}
			}
			// Packets of the wrap scenario arrive exactly on time.
			if st := j.Stats(); tt.name == "timestamp wrap" && (st.Jitter != 0 || j.ticks != 160) {
				t.Errorf("jitter %v, packet duration %d ticks", st.Jitter, j.ticks)
			}
		})
	}
}

func TestJitterBufferCounters(t *testing.T) {
	j, _ := NewJitterBuffer(JitterConfig{})
	now := time.Unix(0, 0)
	j.Push(1, 0, []byte{1}, now)
	j.Push(1, 0, []byte{1}, now)
	j.Pop()
	j.Push(3, 320, []byte{3}, now)
	j.Pop()
	j.Pop()
	j.Push(2, 160, []byte{2}, now)
	j.Pop()
	st := j.Stats()
	want := JitterStats{Received: 4, Played: 2, Lost: 1, Underruns: 1, Late: 1, Duplicates: 1}
	st.Jitter, st.Delay = 0, 0
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}

// TestJitterBufferPeek shows the packet after a lost one, for FEC.
func TestJitterBufferPeek(t *testing.T) {
	j, _ := NewJitterBuffer(JitterConfig{})
	now := time.Unix(0, 0)
	if _, ok := j.Peek(); ok {
		t.Fatal("Peek on an empty buffer")
	}
	j.Push(1, 0, []byte("a"), now)
	j.Pop()
	j.Push(3, 320, []byte("c"), now)
	if _, res := j.Pop(); res != Lost {
		t.Fatalf("Pop = %v, want Lost", res)
	}
	if p, ok := j.Peek(); !ok || p.Seq != 3 || string(p.Payload) != "c" {
		t.Fatalf("Peek = %+v, %v", p, ok)
	}
	if p, res := j.Pop(); res != Play || p.Seq != 3 {
		t.Fatalf("Pop = %v %d", res, p.Seq)
	}
	if j.Len() != 0 {
		t.Errorf("Len = %d", j.Len())
	}
}

// simulate sends n packets of 20 ms, each delayed by delay(i) (none when
// negative: lost), and pops every 20 ms; it returns the stats and how many
// pops had nothing to play after playout started.
func simulate(t *testing.T, n int, delay func(i int) time.Duration) (JitterStats, int) {
	t.Helper()
	j, err := NewJitterBuffer(JitterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	type arrival struct {
		at  time.Duration
		seq int
	}
	var arrivals []arrival
	for i := range n {
		if d := delay(i); d >= 0 {
			arrivals = append(arrivals, arrival{time.Duration(i)*20*time.Millisecond + d, i})
		}
	}
	// Deliver in arrival order.
	for a := 1; a < len(arrivals); a++ {
		for b := a; b > 0 && arrivals[b].at < arrivals[b-1].at; b-- {
			arrivals[b], arrivals[b-1] = arrivals[b-1], arrivals[b]
		}
	}
	base := time.Unix(0, 0)
	k, gaps := 0, 0
	for tick := time.Duration(5 * time.Millisecond); tick < time.Duration(n+20)*20*time.Millisecond; tick += 20 * time.Millisecond {
		for k < len(arrivals) && arrivals[k].at <= tick {
			seq := arrivals[k].seq
			j.Push(uint16(seq), uint32(seq*160), []byte{byte(seq)}, base.Add(arrivals[k].at))
			k++
		}
		if _, res := j.Pop(); res == Lost || res == Underrun {
			if tick < time.Duration(n)*20*time.Millisecond {
				gaps++
			}
		}
	}
	return j.Stats(), gaps
}

// TestJitterBufferAdapts checks the target delay against the jitter: it
// stays at the minimum for a steady stream, grows toward the maximum for a
// jittery one, and the buffer then plays almost everything.
func TestJitterBufferAdapts(t *testing.T) {
	steady, gaps := simulate(t, 500, func(int) time.Duration { return 3 * time.Millisecond })
	if steady.Delay != DefaultJitterMinDelay || steady.Jitter != 0 || gaps != 0 || steady.Played != 500 {
		t.Errorf("steady stream: %+v, %d gaps", steady, gaps)
	}
	r := rand.New(rand.NewPCG(7, 7))
	jittery, gaps := simulate(t, 1000, func(int) time.Duration {
		return time.Duration(r.IntN(50)) * time.Millisecond
	})
	t.Logf("jittery stream (0–50 ms): %+v, %d gaps", jittery, gaps)
	if jittery.Delay <= 40*time.Millisecond || jittery.Delay > DefaultJitterMaxDelay {
		t.Errorf("target delay %v for 0–50 ms jitter", jittery.Delay)
	}
	if jittery.Late+jittery.Lost > 50 {
		t.Errorf("lost %d and late %d of 1000 with 0–50 ms jitter", jittery.Lost, jittery.Late)
	}
	// A burst after a stall: the buffer drops packets to come back down.
	burst, _ := simulate(t, 500, func(i int) time.Duration {
		if i >= 100 && i < 110 {
			return time.Duration(110-i) * 20 * time.Millisecond
		}
		return 0
	})
	if burst.Dropped == 0 {
		t.Errorf("no catch-up after a 200 ms stall: %+v", burst)
	}
}

func TestJitterBufferConfig(t *testing.T) {
	bad := []JitterConfig{
		{ClockRate: 10},
		{MinDelay: 50 * time.Millisecond, MaxDelay: 20 * time.Millisecond},
		{Capacity: 2},
		{MaxPayload: -1},
	}
	for _, c := range bad {
		if _, err := NewJitterBuffer(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	j, err := NewJitterBuffer(JitterConfig{Capacity: 20})
	if err != nil || len(j.slots) != 32 {
		t.Errorf("capacity 20 rounds to %d, %v", len(j.slots), err)
	}
}

// TestJitterBufferNoAllocs checks the per-packet path allocates nothing.
func TestJitterBufferNoAllocs(t *testing.T) {
	j, _ := NewJitterBuffer(JitterConfig{})
	now := time.Unix(0, 0)
	payload := make([]byte, 160)
	seq := uint16(0)
	allocs := testing.AllocsPerRun(1000, func() {
		j.Push(seq, uint32(seq)*160, payload, now)
		j.Pop()
		seq++
		now = now.Add(20 * time.Millisecond)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per packet", allocs)
	}
}
