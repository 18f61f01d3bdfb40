package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// floorTarget serves the floor in this process for runRate.
type floorTarget struct{ f *floor }

func (t floorTarget) sipAddr() string        { return t.f.addr }
func (t floorTarget) cpuTime() time.Duration { return 0 }
func (t floorTarget) stop()                  { t.f.close() }

// TestFloorCarriesCalls places calls from sipp's benchmark caller through
// the floor to sipp's benchmark callee, the path the floor's figure comes
// from: each must get the 407, its 200 with the callee's SDP, and the 200
// for its BYE from the callee.
func TestFloorCarriesCalls(t *testing.T) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed: run `make deps` (Debian package sip-tester)")
	}
	dir := t.TempDir()
	uasPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	uasFile := filepath.Join(dir, "uas.xml")
	if err := os.WriteFile(uasFile, uasScenario, 0o600); err != nil {
		t.Fatal(err)
	}
	// The callee ends after its 20th call, with status 0 only if every
	// call reached it and ended with a BYE.
	uas := exec.Command(sipp, "-sf", uasFile, "-i", "127.0.0.1", "-p", strconv.Itoa(uasPort), "-nostdin", "-m", "20")
	uas.Dir = dir
	if err := uas.Start(); err != nil {
		t.Fatal(err)
	}
	uasDone := make(chan error, 1)
	go func() { uasDone <- uas.Wait() }()
	t.Cleanup(func() {
		_ = uas.Process.Kill()
		<-uasDone
		uasDone <- nil
	})

	f, err := newFloor("127.0.0.1:" + strconv.Itoa(uasPort))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.serve() }()
	t.Cleanup(f.close)
	time.Sleep(200 * time.Millisecond) // sipp's UAS binds its port

	scenario := filepath.Join(dir, "uac_auth.xml")
	if err := os.WriteFile(scenario, uacScenario, 0o600); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csv, []byte("SEQUENTIAL\n1000;[authentication username=1000 password=any];1001;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := runRate(sipp, floorTarget{f}, []string{"-sf", scenario, "-inf", csv}, dir, 20, time.Second)
	if !st.ok || st.failed != 0 {
		t.Fatalf("20 calls through the floor: ok=%v failed=%d %s", st.ok, st.failed, st.detail)
	}
	select {
	case err := <-uasDone:
		uasDone <- err
		if err != nil {
			t.Fatalf("callee: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the callee did not see 20 complete calls")
	}
}
