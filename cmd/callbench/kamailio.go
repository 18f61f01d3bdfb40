package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// kamailioCfg is the baseline: a transaction-stateful proxy that
// record-routes every dialog and relays new INVITEs to the sipp UAS, as
// the GUIDE's Kamailio figure was measured. It does no authentication and
// anchors no media, so it is the floor of what any SIP server spends on a
// call, not a like-for-like B2BUA.
const kamailioCfg = `#!KAMAILIO
debug=0
log_stderror=yes
memdbg=5
memlog=5
children=%[1]d
disable_tcp=yes
listen=udp:127.0.0.1:%[2]d
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "pv.so"
loadmodule "siputils.so"
loadmodule "textops.so"

request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		# sipp's built-in UAC ignores Record-Route: in-dialog requests
		# without a Route go to the UAS as well.
		if (!loose_route()) {
			$du = "sip:127.0.0.1:%[3]d";
		}
		t_relay();
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	t_check_trans();
	if (is_method("INVITE")) {
		record_route();
	}
	$du = "sip:127.0.0.1:%[3]d";
	t_relay();
}
`

// kamailio is a running Kamailio and its worker processes.
type kamailio struct {
	cmd  *exec.Cmd
	addr string
	once sync.Once
}

// startKamailio runs Kamailio in the foreground relaying to the UAS.
func startKamailio(bin, dir string, uasPort int) (*kamailio, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "kamailio.cfg")
	// As many UDP workers as cores: Kamailio's own guidance for a proxy.
	if err := os.WriteFile(cfg, fmt.Appendf(nil, kamailioCfg, numCPU(), port, uasPort), 0o600); err != nil {
		return nil, err
	}
	run := filepath.Join(dir, "kamailio-run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-f", cfg, "-DD", "-E", "-m", "256", "-M", "16", "-Y", run, "-P", filepath.Join(run, "kamailio.pid"))
	log, err := os.Create(filepath.Join(dir, "kamailio.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start kamailio: %w", err)
	}
	k := &kamailio{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port)}
	// Ready once its workers are forked.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(childrenOf(cmd.Process.Pid)) >= numCPU() {
			return k, nil
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	k.stop()
	raw, _ := os.ReadFile(log.Name())
	return nil, fmt.Errorf("kamailio did not start:\n%s", tail(string(raw), 1500))
}

func (k *kamailio) sipAddr() string { return k.addr }

func (k *kamailio) stop() { k.once.Do(func() { stopProcess(k.cmd) }) }

// cpuTime sums Kamailio's main process and its workers.
func (k *kamailio) cpuTime() time.Duration {
	pid := k.cmd.Process.Pid
	total, _ := procCPU(pid)
	for _, c := range childrenOf(pid) {
		cpu, _ := procCPU(c)
		total += cpu
	}
	return total
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || !strings.HasPrefix(e.Name(), strconv.Itoa(n)) {
			continue
		}
		if _, ppid := procCPU(n); ppid == pid {
			out = append(out, n)
		}
	}
	return out
}
