package kubetypes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

// isDefaultStorageClassAnnotation is the annotation, and its beta form,
// that marks the default StorageClass.
var defaultStorageClassAnnotations = []string{"storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"}

func storageColumns(m map[schema.GroupVersionKind]func() []registry.PrintColumn) {
	s := storagev1.SchemeGroupVersion
	m[s.WithKind("StorageClass")] = func() []registry.PrintColumn {
		doc := storagev1.StorageClass{}.SwaggerDoc()
		return []registry.PrintColumn{
			// The API server marks the effective default class of a list
			// (the newest with the annotation); a cell sees one object, so
			// every class with the annotation is marked.
			column("NAME", "string", cell("storageclass.name", func(o *storagev1.StorageClass) any {
				for _, a := range defaultStorageClassAnnotations {
					if o.Annotations[a] == "true" {
						return o.Name + " (default)"
					}
				}
				return o.Name
			}), nameCol.Description),
			column("PROVISIONER", "string", ".provisioner", doc["provisioner"]),
			column("RECLAIMPOLICY", "string", cell("storageclass.reclaimpolicy", func(o *storagev1.StorageClass) any {
				return string(deref(o.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete))
			}), doc["reclaimPolicy"]),
			column("VOLUMEBINDINGMODE", "string", cell("storageclass.volumebindingmode", func(o *storagev1.StorageClass) any {
				return string(deref(o.VolumeBindingMode, storagev1.VolumeBindingImmediate))
			}), doc["volumeBindingMode"]),
			column("ALLOWVOLUMEEXPANSION", "boolean", cell("storageclass.allowvolumeexpansion", func(o *storagev1.StorageClass) any {
				return deref(o.AllowVolumeExpansion, false)
			}), doc["allowVolumeExpansion"]),
			ageCol,
		}
	}
	m[s.WithKind("VolumeAttributesClass")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("DRIVERNAME", "string", ".driverName", storagev1.VolumeAttributesClass{}.SwaggerDoc()["driverName"]),
			ageCol,
		}
	}
	m[s.WithKind("VolumeAttachment")] = func() []registry.PrintColumn {
		spec := storagev1.VolumeAttachmentSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("ATTACHER", "string", ".spec.attacher", spec["attacher"]),
			column("PV", "string", ".spec.source.persistentVolumeName", storagev1.VolumeAttachmentSource{}.SwaggerDoc()["persistentVolumeName"]),
			column("NODE", "string", ".spec.nodeName", spec["nodeName"]),
			column("ATTACHED", "boolean", cell("volumeattachment.attached", func(o *storagev1.VolumeAttachment) any {
				return o.Status.Attached
			}), storagev1.VolumeAttachmentStatus{}.SwaggerDoc()["attached"]),
			ageCol,
		}
	}
	m[s.WithKind("CSINode")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("DRIVERS", "integer", cell("csinode.drivers", func(o *storagev1.CSINode) any {
				return int64(len(o.Spec.Drivers))
			}), "Drivers indicates the number of CSI drivers registered on the node"),
			ageCol,
		}
	}
	m[s.WithKind("CSIDriver")] = func() []registry.PrintColumn {
		spec := storagev1.CSIDriverSpec{}.SwaggerDoc()
		flag := func(name, header, doc string, get func(*storagev1.CSIDriver) *bool, def bool) registry.PrintColumn {
			return column(header, "boolean", cell("csidriver."+name, func(o *storagev1.CSIDriver) any {
				return deref(get(o), def)
			}), spec[doc])
		}
		return []registry.PrintColumn{
			nameCol,
			flag("attachrequired", "ATTACHREQUIRED", "attachRequired", func(o *storagev1.CSIDriver) *bool { return o.Spec.AttachRequired }, true),
			flag("podinfoonmount", "PODINFOONMOUNT", "podInfoOnMount", func(o *storagev1.CSIDriver) *bool { return o.Spec.PodInfoOnMount }, false),
			flag("storagecapacity", "STORAGECAPACITY", "storageCapacity", func(o *storagev1.CSIDriver) *bool { return o.Spec.StorageCapacity }, false),
			column("TOKENREQUESTS", "string", cell("csidriver.tokenrequests", func(o *storagev1.CSIDriver) any {
				if o.Spec.TokenRequests == nil {
					return "<unset>"
				}
				audiences := make([]string, len(o.Spec.TokenRequests))
				for i, t := range o.Spec.TokenRequests {
					audiences[i] = t.Audience
				}
				return strings.Join(audiences, ",")
			}), spec["tokenRequests"]),
			flag("requiresrepublish", "REQUIRESREPUBLISH", "requiresRepublish", func(o *storagev1.CSIDriver) *bool { return o.Spec.RequiresRepublish }, false),
			column("MODES", "string", cell("csidriver.modes", func(o *storagev1.CSIDriver) any {
				modes := make([]string, len(o.Spec.VolumeLifecycleModes))
				for i, m := range o.Spec.VolumeLifecycleModes {
					modes[i] = string(m)
				}
				return orDefault(strings.Join(modes, ","), "<none>")
			}), spec["volumeLifecycleModes"]),
			ageCol,
		}
	}
	// CSIStorageCapacity has a printer, but its REST storage does not use
	// it: the API server prints the default table.

}
