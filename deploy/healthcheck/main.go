package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// defaultURL is callgate's health endpoint on its default HTTP listener.
const defaultURL = "http://127.0.0.1:8080/healthz"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run probes once and returns the exit status.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("callgate-healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 || *timeout <= 0 {
		fmt.Fprintln(stderr, "usage: callgate-healthcheck [-timeout 3s] [URL]")
		return 2
	}
	target := defaultURL
	if fs.NArg() == 1 {
		target = fs.Arg(0)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "callgate-healthcheck: %q is not an http or https URL\n", target)
		return 2
	}
	if err := probe(u.String(), *timeout); err != nil {
		fmt.Fprintln(stderr, "callgate-healthcheck:", err)
		return 1
	}
	return 0
}

// probe fetches target once, without keeping the connection open.
func probe(target string, timeout time.Duration) error {
	tr := &http.Transport{
		DisableKeepAlives: true,
		// A liveness check, not an identity check: see the package comment.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", errUnhealthy, target, resp.Status)
	}
	return nil
}
