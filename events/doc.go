// Package events records Kubernetes core/v1 Events through a k1s
// client.Client, the way client-go's record package does against an API
// server: a Recorder satisfies record.EventRecorder (Event, Eventf,
// AnnotatedEventf), repeats of the same event are folded into one stored
// Event whose count and lastTimestamp grow (as client-go's EventCorrelator
// does), and writes are asynchronous through a bounded queue that is
// flushed before Shutdown returns.
//
// Unlike client-go, a full queue is not a reason to drop an event: the
// caller waits for room. An Event call that returned before Shutdown began
// is in the store when Shutdown returns (or Shutdown's error says how many
// were cut off).
package events
