// Command callgate-healthcheck asks a running callgate whether it is alive:
// it fetches /healthz and exits 0 on "200 OK", 1 otherwise, and 2 on bad
// usage. It exists because the container image has no shell, curl or wget
// for a Docker or Compose HEALTHCHECK to call.
//
//	callgate-healthcheck [-timeout 3s] [URL]
//
// URL defaults to http://127.0.0.1:8080/healthz. For an https URL the
// server's certificate is not verified, as a kubelet's HTTPS probe does not
// verify it either: the probe sends nothing secret and only asks whether the
// process answers, usually on a loopback address the certificate does not
// name.
package main
