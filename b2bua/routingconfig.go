package b2bua

import (
	"github.com/callgate/callgate/b2bua/trunk"
)

// RoutingConfig says where calls that are not for a local user go, and
// where calls from trunks ring. Its zero value routes nothing to trunks:
// without dialplan rules no call can reach the phone network.
type RoutingConfig struct {
	// Trunks are the carriers callgate sends calls to and accepts calls from.
	Trunks []trunk.Config
	// Dialplan rules are tried in order for numbers that are not local
	// users; the first match names the trunks to try, in failover order.
	Dialplan []trunk.Rule
	// DIDs map numbers called from a trunk to users or ring groups.
	DIDs []DIDRoute
	// Groups are named sets of users: ring groups for DIDs, and "@name"
	// callers in dialplan rules.
	Groups map[string][]string
	// DefaultAllow are the destination patterns (regular expressions on
	// the dialled number) for users without patterns of their own in
	// Policies; empty means whatever the dialplan routes.
	DefaultAllow []string
	// SilentRefusal drops, without any answer, INVITEs refused because the
	// source is neither a trunk nor an authenticated user (bad credentials
	// or a banned source), instead of answering 403. Scanners then learn
	// nothing, not even that a SIP server listens.
	SilentRefusal bool
}

// DIDRoute sends calls from trunks for one number (or numbers matching a
// pattern) to users or a ring group; every binding of every member rings
// and the first to answer wins.
type DIDRoute struct {
	// Number is matched exactly, ignoring a leading "+" on either side.
	Number string
	// Pattern is a regular expression matched against the called number
	// when Number is empty.
	Pattern string
	// Users ring together.
	Users []string
	// Group names a ring group from RoutingConfig.Groups; its members ring
	// together with Users.
	Group string
}

// UserPolicy limits what one user may do.
type UserPolicy struct {
	// Allow are regular expressions the dialled number must match for a
	// call to reach a trunk; empty means RoutingConfig.DefaultAllow.
	Allow []string
	// Groups the user belongs to (for dialplan rules' "@group" callers),
	// besides the groups in RoutingConfig.Groups that list the user.
	Groups []string
	// MaxCalls caps the user's concurrent calls; zero means
	// CallConfig.MaxCallsPerUser.
	MaxCalls int
}
