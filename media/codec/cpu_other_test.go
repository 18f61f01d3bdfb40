//go:build !unix

package codec

import "time"

// processCPU is unknown here; cpu-ns/op then reads 0.
func processCPU() time.Duration { return 0 }
