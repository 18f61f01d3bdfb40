package media

import "errors"

// ErrNoCommonCodec is returned by SIPOfferCodecs and SelectAnswer when the
// two legs share no audio codec that can be relayed without transcoding
// (a SIP peer should then get 488 Not Acceptable Here, RFC 3261 §21.4.26).
var ErrNoCommonCodec = errors.New("media: no common codec")
