package controller

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/k1s-dev/k1s/events"
)

// controllerManagerResource names the manager in errors.
var controllerManagerResource = schema.GroupResource{Group: "k1s.io", Resource: "controllermanagers"}

// newStyleRecorder serves controller-runtime's events.k8s.io-style
// recorder interface with core/v1 Events (action and related object are
// fields of core/v1 Event too).
type newStyleRecorder struct{ r *events.Recorder }

var _ recorder.EventRecorder = (*newStyleRecorder)(nil)

func (n *newStyleRecorder) Eventf(regarding, related runtime.Object, eventType, reason, action, note string, args ...any) {
	n.AnnotatedEventf(regarding, related, nil, eventType, reason, action, note, args...)
}

func (n *newStyleRecorder) AnnotatedEventf(regarding, related runtime.Object, annotations map[string]string, eventType, reason, action, note string, args ...any) {
	if err := n.r.RecordWithAction(regarding, related, annotations, eventType, reason, action, fmt.Sprintf(note, args...)); err != nil {
		utilruntime.HandleError(err)
	}
}

// newStyleDiscard is discardRecorder for the events.k8s.io-style interface.
type newStyleDiscard struct{ d *discardRecorder }

var _ recorder.EventRecorder = (*newStyleDiscard)(nil)

func (n *newStyleDiscard) Eventf(runtime.Object, runtime.Object, string, string, string, string, ...any) {
	n.d.report()
}

func (n *newStyleDiscard) AnnotatedEventf(runtime.Object, runtime.Object, map[string]string, string, string, string, string, ...any) {
	n.d.report()
}
