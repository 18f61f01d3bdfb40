// Package deploy holds callgate's deployment recipes and the checks that
// keep them honest; it has no code of its own.
//
// The recipes:
//
//   - callgate.service: a hardened systemd unit (transient user,
//     configuration passed as a credential, graceful stop).
//   - Dockerfile and Dockerfile.dockerignore: a small non-root image with
//     libopus, built from the repository root with -f deploy/Dockerfile.
//   - healthcheck/: a tiny probe of /healthz for the image, which has no
//     shell or curl.
//   - compose.yaml: callgate and a TURN server (coturn) on the host network.
//   - kubernetes/: a Deployment with probes, a draining preStop, a ConfigMap
//     for settings, a Secret for credentials, a volume for registrations.
//   - callgate.example.yaml and callgate.docker.yaml: configuration files.
//   - OPERATIONS.md: addresses behind NAT, ports, TURN, TLS and sizing.
//
// The tests parse every YAML file here, check the invariants the recipes
// rely on (probes on /healthz, non-root, stop timeouts longer than
// callgate's drain), start the real callgate binary with each configuration
// and stop it with SIGTERM, and run systemd-analyze, kubectl and docker or
// podman on the recipes where those tools are installed.
package deploy
