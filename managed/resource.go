package managed

import "k8s.io/apimachinery/pkg/runtime/schema"

// controllerManagerResource names the controller manager in errors.
var controllerManagerResource = schema.GroupResource{Group: "k1s.io", Resource: "controllermanagers"}
