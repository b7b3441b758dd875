package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Priority says how urgent a task is.
//
// +kubebuilder:validation:Enum=Low;Medium;High
type Priority string

// The priorities a Task can have.
const (
	PriorityLow    Priority = "Low"
	PriorityMedium Priority = "Medium"
	PriorityHigh   Priority = "High"
)

// TaskSpec is what the user wants done.
type TaskSpec struct {
	// Title says what is to be done.
	//
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	Title string `json:"title"`

	// Priority is Low, Medium (the default) or High.
	//
	// +kubebuilder:default=Medium
	// +optional
	Priority Priority `json:"priority,omitempty"`

	// Due is the day the task is due, as YYYY-MM-DD.
	//
	// +kubebuilder:validation:Format=date
	// +optional
	Due string `json:"due,omitempty"`

	// Done is set once the task is finished.
	//
	// +optional
	Done bool `json:"done,omitempty"`
}

// TaskStatus is what the controller last saw of the task.
type TaskStatus struct {
	// Conditions: Ready says whether the task's card (its ConfigMap) is
	// up to date with the spec.
	//
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the generation of the spec the status
	// describes.
	//
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// Task is one thing to do.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=tk,categories=todo
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`
// +kubebuilder:printcolumn:name="Priority",type=string,JSONPath=`.spec.priority`
// +kubebuilder:printcolumn:name="Due",type=string,JSONPath=`.spec.due`
// +kubebuilder:printcolumn:name="Done",type=boolean,JSONPath=`.spec.done`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Task struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec TaskSpec `json:"spec"`
	// +optional
	Status TaskStatus `json:"status,omitzero"`
}

// TaskList is a list of Tasks.
//
// +kubebuilder:object:root=true
type TaskList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Task `json:"items"`
}
