// Package trunk connects the B2BUA to carriers over SIP trunks.
//
// A [Set] holds the configured trunks ([Config]) and, once started, runs
// for each of them:
//
//   - address resolution: host names are resolved with SRV, then A/AAAA
//     records (RFC 3263 §4.2, RFC 2782) and cached; [Trunk.Destinations]
//     lists the addresses to try in order, and [Set.MatchSource] recognises
//     requests from a trunk's addresses or configured inbound networks;
//   - health checks: out-of-dialog OPTIONS pings (RFC 3261 §11) mark a trunk
//     down after consecutive failures and up after one success
//     ([Trunk.Up]);
//   - outbound registration (RFC 3261 §10.2) for carriers that deliver
//     calls to a registered contact, with refreshes at half the granted
//     lifetime, exponential back-off on failure and removal at Close;
//     [Set.MatchContactUser] recognises calls to that contact.
//
// A trunk also limits concurrent calls ([Trunk.Acquire]), filters codecs
// ([Trunk.AllowsCodec]), applies a caller-ID policy with
// P-Asserted-Identity and Privacy (RFC 3325, RFC 3323; [Trunk.CallerID])
// and answers carriers' digest challenges ([Trunk.Authorize]; RFC 3261
// §22.2, RFC 8760).
//
// A [Dialplan] maps dialled numbers to trunks in failover order, by prefix
// or regular expression, restricted to callers or groups, with rewriting
// and E.164 normalisation ([NormalizeE164]). A [PatternSet] restricts the
// destinations a user may dial.
//
// Requests sent by this package are built completely (Via, From tag,
// Max-Forwards, User-Agent) and handed to a sipgo client unchanged.
package trunk
