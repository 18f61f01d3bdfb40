package main

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// The command name may contain spaces and parentheses.
	stat := "4242 (call gate (x)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 12 0 1000 900000000 3000 18446744073709551615\n"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Fatalf("cpu %v, want %v", got, want)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 ten 12"} {
		if _, err := parseStatCPU(bad); !errors.Is(err, errProcFormat) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestParseStatusRSS(t *testing.T) {
	status := "Name:\tcallgate\nVmPeak:\t  900000 kB\nVmRSS:\t   48312 kB\nRssAnon:\t   30000 kB\n"
	got, err := parseStatusRSS(status)
	if err != nil || got != 48312 {
		t.Fatalf("rss %d, %v", got, err)
	}
	for _, bad := range []string{"Name: x\n", "VmRSS: 12 MB\n", "VmRSS: x kB\n"} {
		if _, err := parseStatusRSS(bad); !errors.Is(err, errProcFormat) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestParseSnmpUDP(t *testing.T) {
	snmp := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n" +
		"Udp: 1000 2 7 990 5 0\nUdpLite: InDatagrams\nUdpLite: 0\n"
	m, err := parseSnmpUDP(snmp)
	if err != nil {
		t.Fatal(err)
	}
	if m["RcvbufErrors"] != 5 || m["InErrors"] != 7 || m["InDatagrams"] != 1000 {
		t.Fatalf("%v", m)
	}
	if _, err := parseSnmpUDP("Udp: A B\nUdp: 1\n"); !errors.Is(err, errProcFormat) {
		t.Fatalf("short values: %v", err)
	}
	if _, err := parseSnmpUDP("Ip: 1\n"); !errors.Is(err, errProcFormat) {
		t.Fatalf("no table: %v", err)
	}
}

func TestParseCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := parseCPUModel(info); got != "AMD EPYC 7B13" {
		t.Fatalf("model %q", got)
	}
	if got := parseCPUModel("processor: 0\n"); got != "unknown" {
		t.Fatalf("model %q", got)
	}
}

func TestOwnProcessFiles(t *testing.T) {
	pid := os.Getpid()
	if _, err := processCPU(pid); err != nil {
		t.Fatal(err)
	}
	rss, err := processRSS(pid)
	if err != nil || rss <= 0 {
		t.Fatalf("rss %d, %v", rss, err)
	}
	if udpRcvbufErrors() < 0 {
		t.Log("no /proc/net/snmp Udp table here")
	}
}

func TestParseUDPDrops(t *testing.T) {
	table := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		" 1234: 0100007F:CD1C 00000000:0000 07 00000000:00000000 00 00000000:00000000 00000000     0        0 55555 2 0000000000000000 17\n" +
		" 1235: 00000000:13C4 00000000:0000 07 00000000:00000000 00 00000000:00000000 00000000     0        0 55556 2 0000000000000000 3\n"
	if got, err := parseUDPDrops(table, 0xCD1C); err != nil || got != 17 {
		t.Fatalf("drops %d, %v", got, err)
	}
	if _, err := parseUDPDrops(table, 5060); !errors.Is(err, errProcFormat) {
		t.Fatalf("wildcard socket matched: %v", err)
	}
}

func TestParseLoadAvg(t *testing.T) {
	for in, want := range map[string]string{
		"0.52 1.04 2.10 3/412 12345\n": "0.52 1.04 2.10",
		"0.5":                          "unknown",
		"":                             "unknown",
	} {
		if got := parseLoadAvg(in); got != want {
			t.Errorf("parseLoadAvg(%q) = %q, want %q", in, got, want)
		}
	}
	if got := loadAverage(); got == "unknown" {
		t.Error("no load average on this Linux machine")
	}
}
