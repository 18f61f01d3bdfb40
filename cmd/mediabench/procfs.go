package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat; Linux fixes it at
// 100 for user space (proc(5), "clock ticks").
const userHZ = 100

// parseStatCPU returns utime+stime from the text of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'; utime and stime are fields 14 and 15.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: stat has no command name", errProcFormat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: stat has %d fields after the name", errProcFormat, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%w: utime %q stime %q", errProcFormat, f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// parseStatusRSS returns VmRSS in KiB from the text of /proc/PID/status.
func parseStatusRSS(status string) (int64, error) {
	for _, l := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(l, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%w: VmRSS line %q", errProcFormat, l)
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: VmRSS line %q", errProcFormat, l)
		}
		return v, nil
	}
	return 0, fmt.Errorf("%w: no VmRSS", errProcFormat)
}

// parseSnmpUDP returns the counters of the "Udp:" table of /proc/net/snmp
// (a header line of names followed by a line of values).
func parseSnmpUDP(snmp string) (map[string]int64, error) {
	var names []string
	for _, l := range strings.Split(snmp, "\n") {
		rest, ok := strings.CutPrefix(l, "Udp:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if names == nil {
			names = f
			continue
		}
		if len(f) != len(names) {
			return nil, fmt.Errorf("%w: Udp table has %d names, %d values", errProcFormat, len(names), len(f))
		}
		out := make(map[string]int64, len(f))
		for i, v := range f {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: Udp %s=%q", errProcFormat, names[i], v)
			}
			out[names[i]] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: no Udp table", errProcFormat)
}

// parseCPUModel returns the first "model name" of /proc/cpuinfo.
func parseCPUModel(cpuinfo string) string {
	for _, l := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// processCPU reads a process's user+system CPU time.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(raw))
}

// processRSS reads a process's resident set size in KiB.
func processRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusRSS(string(raw))
}

// udpRcvbufErrors reads the host's count of UDP datagrams dropped because a
// socket's receive buffer was full; -1 when unavailable.
func udpRcvbufErrors() int64 {
	raw, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return -1
	}
	m, err := parseSnmpUDP(string(raw))
	if err != nil {
		return -1
	}
	if v, ok := m["RcvbufErrors"]; ok {
		return v
	}
	return -1
}

// selfCPU is this process's user+system CPU time, from getrusage (finer
// than the clock ticks of /proc).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuModel names this machine's processor.
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	return parseCPUModel(string(raw))
}

// loadAverage returns the 1, 5 and 15 minute load averages of
// /proc/loadavg (proc(5)), "unknown" when it cannot be read.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return parseLoadAvg(string(raw))
}

// parseLoadAvg returns the first three fields of /proc/loadavg's text.
func parseLoadAvg(s string) string {
	f := strings.Fields(s)
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// parseUDPDrops returns the drops column of the /proc/net/udp row bound to
// 127.0.0.1:port (addresses are hex, the IPv4 one in host byte order).
func parseUDPDrops(table string, port uint16) (int64, error) {
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		if len(f) < 13 || f[1] != want {
			continue
		}
		v, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: drops %q", errProcFormat, f[len(f)-1])
		}
		return v, nil
	}
	return 0, fmt.Errorf("%w: no socket on 127.0.0.1:%d", errProcFormat, port)
}

// udpSocketDrops reads the drop count of the socket on 127.0.0.1:port;
// -1 when unavailable.
func udpSocketDrops(port uint16) int64 {
	raw, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return -1
	}
	v, err := parseUDPDrops(string(raw), port)
	if err != nil {
		return -1
	}
	return v
}
