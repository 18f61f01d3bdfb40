package trunk

import "time"

// Registration states reported in RegStatus.State.
const (
	// RegOff: registration disabled, not started, or ended by Close.
	RegOff = "off"
	// RegRegistering: the first registration is under way.
	RegRegistering = "registering"
	// RegRegistered: the last REGISTER succeeded.
	RegRegistered = "registered"
	// RegFailing: the last REGISTER failed; retries back off.
	RegFailing = "failing"
)

// Status is a snapshot of one trunk.
type Status struct {
	// Name is the trunk name.
	Name string
	// Up is false while the trunk is considered unreachable (see Trunk.Up).
	Up bool
	// ActiveCalls counts calls between Acquire and Release.
	ActiveCalls int
	// LastPing is when the last OPTIONS ping finished; zero if none.
	LastPing time.Time
	// LastPingError is the last ping's failure; empty after a success.
	LastPingError string
	// Registration describes outbound registration.
	Registration RegStatus
}

// RegStatus describes a trunk's outbound registration.
type RegStatus struct {
	// Enabled mirrors RegisterConfig.Enabled.
	Enabled bool
	// State is one of RegOff, RegRegistering, RegRegistered, RegFailing.
	State string
	// LastError is the last failure; empty after a success.
	LastError string
	// Expires is when the binding granted by the last success ends.
	Expires time.Time
	// Refreshes counts successful registrations after the first.
	Refreshes int
}
