package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestPionFloorMeasuresConnectedPeerConnections connects a few lean pairs
// and checks the figures are those of live, connected PeerConnections: a
// PeerConnection that never connected, or one measured after it closed,
// would hold almost no goroutines.
func TestPionFloorMeasuresConnectedPeerConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := pionFloor(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.pcs != 6 {
		t.Fatalf("measured %d PeerConnections, want 6", r.pcs)
	}
	// ICE, DTLS and SRTP each keep goroutines while connected.
	if r.goroutines < 5 || r.heapKiB <= 0 || r.stackKiB <= 0 {
		t.Fatalf("implausible floor: %+v", r)
	}
	var out bytes.Buffer
	printPionFloor(&out, r)
	if !strings.Contains(out.String(), "per PeerConnection: heap") {
		t.Fatalf("report: %q", out.String())
	}
}
