// Package hep exports captured signalling to a Homer collector using the
// HEP version 3 encapsulation (also called EEP, "Extensible Encapsulation
// Protocol"), the format Kamailio, OpenSIPS, FreeSWITCH and Asterisk send.
//
// The wire format is defined by the "HEP3 Network Protocol Specification"
// published by the sipcapture project (github.com/sipcapture/HEP, docs/,
// revision 37 at the time of writing); comments below cite it as "HEP3 spec".
// A HEP3 packet is a 6-byte header ("HEP3" and the total length) followed by
// chunks, each a 6-byte chunk header (vendor ID, chunk type ID, chunk length)
// and a value. Only generic chunks (vendor 0x0000) are produced.
//
// [Encode] and [Decode] are pure functions over byte slices; [Exporter] owns
// a UDP socket towards the collector and a bounded queue so that capturing
// never blocks call processing: when the queue is full, packets are dropped
// and counted.
package hep
