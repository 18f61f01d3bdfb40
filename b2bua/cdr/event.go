package cdr

import "time"

// Event types for Event.Type and the X-Callgate-Event header.
const (
	// EventRinging is sent when the callee leg starts alerting (180/183,
	// RFC 3261 §13.2.2.1).
	EventRinging = "ringing"
	// EventAnswered is sent when the call is answered (2xx to the INVITE).
	EventAnswered = "answered"
	// EventEnded is sent by Write when the call's record is written.
	EventEnded = "ended"
)

// Event is a call state change delivered to the webhook as the JSON request
// body.
type Event struct {
	// Type is EventRinging, EventAnswered or EventEnded.
	Type string `json:"type"`
	// Time is when the change happened; zero means when Event was called.
	Time time.Time `json:"time"`
	// CallID is callgate's identifier of the call (Record.CallID).
	CallID string `json:"call_id"`
	// Caller and Callee identify the parties as in Record.
	Caller string `json:"caller"`
	Callee string `json:"callee"`
	// Record is the call detail record; set on EventEnded only.
	Record *Record `json:"record,omitempty"`
}
