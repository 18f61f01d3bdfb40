// Command callbench measures callgate's signalling capacity: sipp callers
// answer callgate's digest challenge and place calls through it to a sipp
// UAS, at rising rates, each held for a fixed time. It prints the highest
// rate sustained with zero failed calls and callgate's CPU use at each step.
//
// Every call is a full B2BUA call: 407 challenge, INVITE forked to the
// registered UAS with a rewritten SDP and two RTP port pairs allocated, ACK,
// BYE. All traffic stays on 127.0.0.1.
//
// The same rates then run through two baselines: the sipgo floor, the
// least B2BUA on callgate's SIP stack (floor.go; -floor=false skips it),
// and Kamailio as a stateful proxy when it is installed (-baseline=false
// skips it).
//
//	go run ./cmd/callbench -rates 500,1000,2000,3000 -duration 20s
package main

import (
	"bufio"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cpuProfile, when set, is passed to callgate's -cpuprofile.
var cpuProfile string

// uasPID is the sipp UAS process, whose CPU each step reports beside the
// caller's: the load generators share the machine with the server.
var uasPID int

//go:embed uac_auth.xml
var uacScenario []byte

//go:embed uas.xml
var uasScenario []byte

func main() {
	rates := flag.String("rates", "250,500,1000,1500,2000,2500,3000,3500,4000", "call rates to try, calls/s, ascending")
	dur := flag.Duration("duration", 20*time.Second, "how long each rate is held")
	bin := flag.String("callgate", "", "callgate binary (default: build ./cmd/callgate)")
	profile := flag.String("cpuprofile", "", "have callgate write a CPU profile to this file")
	baseline := flag.Bool("baseline", true, "also run the rates through Kamailio as a stateful proxy, when it is installed")
	floor := flag.Bool("floor", true, "also run the rates through the sipgo floor, the least B2BUA built on callgate's SIP stack (floor.go)")
	floorServe := flag.String("floor-serve", "", "run as the sipgo floor toward the UAS at `addr` (callbench starts this itself)")
	flag.Parse()
	var err error
	if *floorServe != "" {
		if err = floorMain(*floorServe); err != nil {
			err = fmt.Errorf("floor: %w", err)
		}
	} else {
		cpuProfile = *profile
		err = run(*rates, *dur, *bin, *baseline, *floor)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "callbench:", err)
		os.Exit(1)
	}
}

// step is the outcome of one rate.
type step struct {
	rate    int
	ok      bool
	failed  int
	elapsed time.Duration
	cpu     float64 // callgate CPU, percent of one core
	sippCPU float64 // both sipp processes, percent of one core
	detail  string
}

// target is a SIP server under test: callgate, or the baseline proxy.
type target interface {
	// sipAddr is where callers send INVITEs.
	sipAddr() string
	// cpuTime is the CPU the server used so far, all its processes.
	cpuTime() time.Duration
	stop()
}

func run(rateList string, dur time.Duration, bin string, baseline, floor bool) error {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		return fmt.Errorf("sipp not installed (apt-get install sip-tester)")
	}
	dir, err := os.MkdirTemp("", "callbench")
	if err != nil {
		return err
	}
	// CALLBENCH_KEEP keeps the work dir (sipp's statistics and error
	// logs of every step) for a look afterwards.
	if os.Getenv("CALLBENCH_KEEP") != "" {
		fmt.Println("work dir, kept:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if bin == "" {
		bin = filepath.Join(dir, "callgate")
		build := exec.Command("go", "build", "-o", bin, "./cmd/callgate")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build callgate: %w", err)
		}
	}
	gw, err := startCallgate(bin, dir)
	if err != nil {
		return err
	}
	defer gw.stop()

	uasPort, err := freePort()
	if err != nil {
		return err
	}
	uasFile := filepath.Join(dir, "uas.xml")
	if err := os.WriteFile(uasFile, uasScenario, 0o600); err != nil {
		return err
	}
	uas := exec.Command(sipp, "-sf", uasFile, "-i", "127.0.0.1", "-p", strconv.Itoa(uasPort), "-nostdin",
		"-max_socket", "65000", "-buff_size", "4194304")
	uas.Dir = dir
	if err := uas.Start(); err != nil {
		return fmt.Errorf("start sipp uas: %w", err)
	}
	defer func() { _ = uas.Process.Kill(); _ = uas.Wait() }()
	uasPID = uas.Process.Pid
	time.Sleep(300 * time.Millisecond)
	if err := registerContact(gw.addr, "1001", gw.passwords["1001"], fmt.Sprintf("sip:1001@127.0.0.1:%d", uasPort)); err != nil {
		return fmt.Errorf("register uas: %w", err)
	}

	scenario := filepath.Join(dir, "uac_auth.xml")
	if err := os.WriteFile(scenario, uacScenario, 0o600); err != nil {
		return err
	}
	csv := filepath.Join(dir, "users.csv")
	line := "1000;[authentication username=1000 password=" + gw.passwords["1000"] + "];1001;\n"
	if err := os.WriteFile(csv, []byte("SEQUENTIAL\n"+line), 0o600); err != nil {
		return err
	}

	fmt.Printf("callbench: %d cores, each rate held %s, sipp UAC → callgate → sipp UAS on 127.0.0.1\n", numCPU(), dur)
	uac := []string{"-sf", scenario, "-inf", csv}
	best, err := ladder(sipp, gw, uac, dir, rateList, dur)
	if err != nil {
		return err
	}
	fmt.Printf("callgate: highest rate sustained %s with zero failed calls: %d calls/s\n", dur, best)
	gw.stop()
	if floor {
		if err := runFloor(sipp, uac, dir, rateList, dur, uasPort, best); err != nil {
			return err
		}
	}
	if !baseline {
		return nil
	}
	kam, err := exec.LookPath("kamailio")
	if err != nil {
		fmt.Println("baseline: kamailio is not installed (apt-get install kamailio); skipped")
		return nil
	}
	k, err := startKamailio(kam, dir, uasPort)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	defer k.stop()
	fmt.Printf("baseline: sipp UAC → Kamailio (stateful proxy, record-route, no auth, no media anchoring) → sipp UAS\n")
	return compare(sipp, k, "kamailio", []string{"-sn", "uac", "-s", "1001"}, dir, rateList, dur, best)
}

// compare runs the rates through the baseline t, named name, and prints
// its highest rate and callgate's best as a share of it.
func compare(sipp string, t target, name string, uac []string, dir, rateList string, dur time.Duration, best int) error {
	tbest, err := ladder(sipp, t, uac, dir, rateList, dur)
	if err != nil {
		return err
	}
	fmt.Printf("%s: highest rate sustained %s with zero failed calls: %d calls/s\n", name, dur, tbest)
	if tbest > 0 {
		fmt.Printf("callgate / %s: %.2f\n", name, float64(best)/float64(tbest))
	}
	return nil
}

// runFloor runs the rates through the sipgo floor with callgate's own
// caller scenario and prints callgate's rate as a share of the floor's.
func runFloor(sipp string, uac []string, dir, rateList string, dur time.Duration, uasPort, best int) error {
	f, err := startFloor(fmt.Sprintf("127.0.0.1:%d", uasPort))
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	defer f.stop()
	fmt.Printf("floor: sipp UAC → sipgo floor (two dialogs, 407 without checking, no SDP rewriting, no RTP ports) → sipp UAS\n")
	return compare(sipp, f, "floor", uac, dir, rateList, dur, best)
}

// ladder tries each rate in turn until one fails and returns the highest
// rate that passed.
func ladder(sipp string, t target, uac []string, dir, rateList string, dur time.Duration) (int, error) {
	fmt.Printf("%8s  %8s  %8s  %10s  %8s  %s\n", "calls/s", "result", "failed", "server CPU", "sipp CPU", "elapsed")
	best := 0
	for _, f := range strings.Split(rateList, ",") {
		rate, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || rate <= 0 {
			return 0, fmt.Errorf("bad rate %q", f)
		}
		st := runRate(sipp, t, uac, dir, rate, dur)
		result := "ok"
		if !st.ok {
			result = "FAILED"
		}
		fmt.Printf("%8d  %8s  %8d  %9.0f%%  %7.0f%%  %s %s\n", rate, result, st.failed, st.cpu, st.sippCPU, st.elapsed.Round(100*time.Millisecond), st.detail)
		if !st.ok {
			break
		}
		best = rate
		time.Sleep(2 * time.Second) // let quarantined RTP ports return
	}
	return best, nil
}

// runRate drives one rate for dur and reports the outcome.
func runRate(sipp string, gw target, uac []string, dir string, rate int, dur time.Duration) step {
	total := int(float64(rate) * dur.Seconds())
	port, _ := freePort()
	errFile := filepath.Join(dir, fmt.Sprintf("uac-%d-errors.log", rate))
	args := append([]string{gw.sipAddr()}, uac...)
	args = append(args, "-t", "u1", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-r", strconv.Itoa(rate), "-m", strconv.Itoa(total), "-l", strconv.Itoa(rate*10),
		"-timeout", strconv.Itoa(int((dur+60*time.Second).Seconds()))+"s", "-timeout_error", "-nostdin",
		"-max_socket", "65000", "-buff_size", "4194304", "-trace_err", "-error_file", errFile)
	cmd := exec.Command(sipp, args...)
	cmd.Dir = dir
	out, _ := os.Create(filepath.Join(dir, fmt.Sprintf("uac-%d.out", rate)))
	cmd.Stdout, cmd.Stderr = out, out
	cpu0 := gw.cpuTime()
	var uas0 time.Duration
	if uasPID > 0 {
		uas0, _ = procCPU(uasPID)
	}
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	cpu := (gw.cpuTime() - cpu0).Seconds() / elapsed.Seconds() * 100
	var load time.Duration
	if uasPID > 0 {
		uas1, _ := procCPU(uasPID)
		load = uas1 - uas0
	}
	if ps := cmd.ProcessState; ps != nil {
		load += ps.UserTime() + ps.SystemTime()
	}
	_ = out.Close()
	st := step{rate: rate, elapsed: elapsed, cpu: cpu, sippCPU: load.Seconds() / elapsed.Seconds() * 100, ok: err == nil}
	if raw, rerr := os.ReadFile(out.Name()); rerr == nil {
		st.failed = failedCalls(string(raw))
	}
	// sipp falls behind silently when the target cannot keep the rate:
	// a run that took much longer than planned did not sustain it.
	if elapsed > dur+dur/10+2*time.Second {
		st.ok = false
		st.detail = "(rate not sustained)"
	}
	if st.failed > 0 {
		st.ok = false
	}
	if !st.ok {
		if raw, rerr := os.ReadFile(errFile); rerr == nil && len(raw) > 0 {
			st.detail += "\n" + tail(string(raw), 1500)
		} else if raw, rerr := os.ReadFile(out.Name()); rerr == nil {
			st.detail += "\n" + tail(string(raw), 1500)
		}
	}
	return st
}

// failedCalls reads "Failed call" from sipp's final statistics screen.
func failedCalls(out string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Failed call") {
			f := strings.Split(l, "|")
			if len(f) >= 3 {
				if v, err := strconv.Atoi(strings.TrimSpace(f[2])); err == nil {
					n = v
				}
			}
		}
	}
	return n
}

// child is a SIP server callbench started as a process of its own:
// callgate or the sipgo floor.
type child struct {
	once sync.Once
	cmd  *exec.Cmd
	addr string // SIP over UDP
}

// startChild starts cmd and reads its standard output until it printed
// "sip_udp=ADDR" and ready (nil: nothing more) reports what else it must
// print has come, handing every other line to line; the rest of the
// output is drained.
func startChild(cmd *exec.Cmd, what string, line func(string), ready func() bool) (*child, error) {
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", what, err)
	}
	c := &child{cmd: cmd}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		l := sc.Text()
		if a, ok := strings.CutPrefix(l, "sip_udp="); ok {
			c.addr = a
		} else if line != nil {
			line(l)
		}
		if c.addr != "" && (ready == nil || ready()) {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if c.addr == "" {
		c.stop()
		return nil, fmt.Errorf("%s did not start", what)
	}
	return c, nil
}

func (c *child) sipAddr() string { return c.addr }

// cpuTime reads the process's user+system CPU time from /proc.
func (c *child) cpuTime() time.Duration {
	cpu, _ := procCPU(c.cmd.Process.Pid)
	return cpu
}

func (c *child) stop() { c.once.Do(func() { stopProcess(c.cmd) }) }

// gateway is a running callgate process and its demo users' passwords.
type gateway struct {
	*child
	passwords map[string]string
}

func startCallgate(bin, dir string) (*gateway, error) {
	cfg := filepath.Join(dir, "callgate.yaml")
	yaml := `listen:
  sip_udp: "127.0.0.1:0"
  sip_tcp: "off"
  http: "off"
  webrtc: "127.0.0.1:0"
calls:
  max_calls: 100000
  max_calls_per_user: 100000
media:
  bind_ip: 127.0.0.1
  advertise_ip: 127.0.0.1
  port_min: 10000
  port_max: 59999
  quarantine: 1s
log:
  level: warn
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	args := []string{"-config", cfg, "-data", filepath.Join(dir, "data")}
	if cpuProfile != "" {
		abs, _ := filepath.Abs(cpuProfile)
		args = append(args, "-cpuprofile", abs)
	}
	g := &gateway{passwords: map[string]string{}}
	c, err := startChild(exec.Command(bin, args...), "callgate", func(l string) {
		var u, p string
		if _, err := fmt.Sscanf(l, "user=%s password=%s", &u, &p); err == nil {
			g.passwords[u] = p
		}
	}, func() bool { return len(g.passwords) == 2 })
	if err != nil {
		return nil, err
	}
	g.child = c
	return g, nil
}

// stopProcess interrupts cmd and waits up to 15 s before killing it.
func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// procCPU reads a process's user+system CPU time and its parent's PID
// from /proc (proc(5): fields 4, 14 and 15 of stat).
func procCPU(pid int) (cpu time.Duration, ppid int) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, 0
	}
	ppid, _ = strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, ppid // USER_HZ is 100 on Linux
}

func freePort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func numCPU() int {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(raw), "processor\t:")
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
