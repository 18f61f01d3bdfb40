package dtmf

import (
	"fmt"
	"time"
)

// DefaultClockRate is the telephone-event clock rate when none is given:
// 8000 Hz, the rate of G.711 and G.722 legs. Legs that send Opus pair
// telephone-event with its 48000 Hz clock; give that rate explicitly.
const DefaultClockRate = 8000

// maxClockRate bounds a configured clock rate.
const maxClockRate = 1 << 20

// clockRate returns the effective rate for a configured one.
func clockRate(r int) (uint64, error) {
	switch {
	case r == 0:
		return DefaultClockRate, nil
	case r < 0 || r > maxClockRate:
		return 0, fmt.Errorf("%w: clock rate %d", ErrInvalidConfig, r)
	}
	return uint64(r), nil
}

// ticksToDuration converts RTP clock units to time, truncating.
func ticksToDuration(ticks, rate uint64) time.Duration {
	sec := ticks / rate
	rem := ticks % rate
	return time.Duration(sec)*time.Second + time.Duration(rem*uint64(time.Second)/rate)
}

// durationToTicks converts a non-negative time to RTP clock units,
// rounding to the nearest unit. d must not exceed a few hours.
func durationToTicks(d time.Duration, rate uint64) uint64 {
	return (uint64(d)*rate + uint64(time.Second)/2) / uint64(time.Second)
}
