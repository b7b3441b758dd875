package kubetypes

import (
	"fmt"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/k1s-dev/k1s/registry"
)

func clusterColumns(m map[schema.GroupVersionKind]func() []registry.PrintColumn) {
	rbac := rbacv1.SchemeGroupVersion
	m[rbac.WithKind("RoleBinding")] = func() []registry.PrintColumn {
		return bindingColumns("rolebinding", "roleBinding", func(o *rbacv1.RoleBinding) (rbacv1.RoleRef, []rbacv1.Subject) { return o.RoleRef, o.Subjects })
	}
	m[rbac.WithKind("ClusterRoleBinding")] = func() []registry.PrintColumn {
		return bindingColumns("clusterrolebinding", "clusterRoleBinding", func(o *rbacv1.ClusterRoleBinding) (rbacv1.RoleRef, []rbacv1.Subject) {
			return o.RoleRef, o.Subjects
		})
	}

	certs := certificatesv1.SchemeGroupVersion
	m[certs.WithKind("CertificateSigningRequest")] = func() []registry.PrintColumn {
		spec := certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			ageCol,
			column("SIGNERNAME", "string", cell("certificatesigningrequest.signername", func(o *certificatesv1.CertificateSigningRequest) any {
				return orDefault(o.Spec.SignerName, "<none>")
			}), spec["signerName"]),
			column("REQUESTOR", "string", ".spec.username", spec["request"]),
			column("REQUESTEDDURATION", "string", cell("certificatesigningrequest.requestedduration", func(o *certificatesv1.CertificateSigningRequest) any {
				if o.Spec.ExpirationSeconds == nil {
					return "<none>"
				}
				return duration.HumanDuration(time.Duration(*o.Spec.ExpirationSeconds) * time.Second)
			}), spec["expirationSeconds"]),
			column("CONDITION", "string", cell("certificatesigningrequest.condition", csrCondition), certificatesv1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]),
		}
	}
	m[certs.WithKind("ClusterTrustBundle")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("SIGNERNAME", "string", cell("clustertrustbundle.signername", func(o *certificatesv1.ClusterTrustBundle) any {
				return orDefault(o.Spec.SignerName, "<none>")
			}), certificatesv1.ClusterTrustBundleSpec{}.SwaggerDoc()["signerName"]),
		}
	}
	m[certs.WithKind("PodCertificateRequest")] = func() []registry.PrintColumn {
		spec := certificatesv1.PodCertificateRequestSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("PODNAME", "string", ".spec.podName", spec["podName"]),
			column("SERVICEACCOUNTNAME", "string", ".spec.serviceAccountName", spec["serviceAccountName"]),
			column("NODENAME", "string", ".spec.nodeName", spec["nodeName"]),
			column("SIGNERNAME", "string", ".spec.signerName", spec["signerName"]),
			column("STATE", "string", cell("podcertificaterequest.state", func(o *certificatesv1.PodCertificateRequest) any {
				state := "Pending"
				for _, c := range o.Status.Conditions {
					switch c.Type {
					case certificatesv1.PodCertificateRequestConditionTypeIssued, certificatesv1.PodCertificateRequestConditionTypeDenied,
						certificatesv1.PodCertificateRequestConditionTypeFailed:
						state = c.Type
					}
				}
				return state
			}), "Is the request Pending, Issued, Denied, or Failed?"),
			wide(column("UNVERIFIEDUSERANNOTATIONS", "string", cell("podcertificaterequest.unverifieduserannotations", func(o *certificatesv1.PodCertificateRequest) any {
				return labels.FormatLabels(o.Spec.UnverifiedUserAnnotations)
			}), spec["unverifiedUserAnnotations"])),
		}
	}

	m[coordinationv1.SchemeGroupVersion.WithKind("Lease")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("HOLDER", "string", ".spec.holderIdentity", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
			ageCol,
		}
	}

	fc := flowcontrolv1.SchemeGroupVersion
	m[fc.WithKind("FlowSchema")] = func() []registry.PrintColumn {
		spec := flowcontrolv1.FlowSchemaSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("PRIORITYLEVEL", "string", ".spec.priorityLevelConfiguration.name", flowcontrolv1.PriorityLevelConfigurationReference{}.SwaggerDoc()["name"]),
			column("MATCHINGPRECEDENCE", "integer", cell("flowschema.matchingprecedence", func(o *flowcontrolv1.FlowSchema) any {
				return int64(o.Spec.MatchingPrecedence)
			}), spec["matchingPrecedence"]),
			column("DISTINGUISHERMETHOD", "string", cell("flowschema.distinguishermethod", func(o *flowcontrolv1.FlowSchema) any {
				if o.Spec.DistinguisherMethod == nil {
					return "<none>"
				}
				return string(o.Spec.DistinguisherMethod.Type)
			}), spec["distinguisherMethod"]),
			ageCol,
			column("MISSINGPL", "string", cell("flowschema.missingpl", func(o *flowcontrolv1.FlowSchema) any {
				for _, c := range o.Status.Conditions {
					if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
						return string(c.Status)
					}
				}
				return "?"
			}), "references a broken or non-existent PriorityLevelConfiguration"),
		}
	}
	m[fc.WithKind("PriorityLevelConfiguration")] = func() []registry.PrintColumn {
		queuing := flowcontrolv1.QueuingConfiguration{}.SwaggerDoc()
		limited := func(o *flowcontrolv1.PriorityLevelConfiguration) *flowcontrolv1.LimitedPriorityLevelConfiguration {
			return o.Spec.Limited
		}
		queues := func(o *flowcontrolv1.PriorityLevelConfiguration) *flowcontrolv1.QueuingConfiguration {
			if l := limited(o); l != nil {
				return l.LimitResponse.Queuing
			}
			return nil
		}
		queueCol := func(doc, header string, get func(*flowcontrolv1.QueuingConfiguration) int32) registry.PrintColumn {
			return column(header, "string", cell("prioritylevelconfiguration."+strings.ToLower(doc), func(o *flowcontrolv1.PriorityLevelConfiguration) any {
				if q := queues(o); q != nil {
					return fmt.Sprint(get(q))
				}
				return "<none>"
			}), queuing[doc])
		}
		return []registry.PrintColumn{
			nameCol,
			column("TYPE", "string", ".spec.type", flowcontrolv1.PriorityLevelConfigurationSpec{}.SwaggerDoc()["type"]),
			column("NOMINALCONCURRENCYSHARES", "string", cell("prioritylevelconfiguration.nominalconcurrencyshares", func(o *flowcontrolv1.PriorityLevelConfiguration) any {
				if l := limited(o); l != nil {
					return fmt.Sprint(deref(l.NominalConcurrencyShares, 0))
				}
				return "<none>"
			}), flowcontrolv1.LimitedPriorityLevelConfiguration{}.SwaggerDoc()["nominalConcurrencyShares"]),
			queueCol("queues", "QUEUES", func(q *flowcontrolv1.QueuingConfiguration) int32 { return q.Queues }),
			queueCol("handSize", "HANDSIZE", func(q *flowcontrolv1.QueuingConfiguration) int32 { return q.HandSize }),
			queueCol("queueLengthLimit", "QUEUELENGTHLIMIT", func(q *flowcontrolv1.QueuingConfiguration) int32 { return q.QueueLengthLimit }),
			ageCol,
		}
	}

	m[nodev1.SchemeGroupVersion.WithKind("RuntimeClass")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{nameCol, column("HANDLER", "string", ".handler", nodev1.RuntimeClass{}.SwaggerDoc()["handler"]), ageCol}
	}
	m[schedulingv1.SchemeGroupVersion.WithKind("PriorityClass")] = func() []registry.PrintColumn {
		doc := schedulingv1.PriorityClass{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("VALUE", "integer", cell("priorityclass.value", func(o *schedulingv1.PriorityClass) any { return int64(o.Value) }), doc["value"]),
			column("GLOBAL-DEFAULT", "boolean", cell("priorityclass.globaldefault", func(o *schedulingv1.PriorityClass) any { return o.GlobalDefault }), doc["globalDefault"]),
			ageCol,
			// The printer fills it only for wide output, but the API
			// server always prints wide; the column is not a wide one.
			column("PREEMPTIONPOLICY", "string", cell("priorityclass.preemptionpolicy", func(o *schedulingv1.PriorityClass) any {
				return string(deref(o.PreemptionPolicy, ""))
			}), doc["preemptionPolicy"]),
		}
	}

	res := resourcev1.SchemeGroupVersion
	m[res.WithKind("DeviceClass")] = func() []registry.PrintColumn { return []registry.PrintColumn{nameCol, ageCol} }
	m[res.WithKind("ResourceClaimTemplate")] = func() []registry.PrintColumn { return []registry.PrintColumn{nameCol, ageCol} }
	m[res.WithKind("ResourceClaim")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("STATE", "string", cell("resourceclaim.state", func(o *resourcev1.ResourceClaim) any {
				var states []string
				if o.DeletionTimestamp != nil {
					states = append(states, "deleted")
				}
				switch {
				case o.Status.Allocation == nil && o.DeletionTimestamp == nil:
					states = append(states, "pending")
				case o.Status.Allocation != nil:
					states = append(states, "allocated")
					if len(o.Status.ReservedFor) > 0 {
						states = append(states, "reserved")
					}
				}
				return strings.Join(states, ",")
			}), "A summary of the current state (allocated, pending, reserved, etc.)."),
			ageCol,
		}
	}
	m[res.WithKind("ResourceSlice")] = func() []registry.PrintColumn {
		spec := resourcev1.ResourceSliceSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("NODE", "string", ".spec.nodeName", spec["nodeName"]),
			column("DRIVER", "string", ".spec.driver", spec["driver"]),
			column("POOL", "string", ".spec.pool.name", resourcev1.ResourcePool{}.SwaggerDoc()["name"]),
			ageCol,
		}
	}
	m[res.WithKind("DeviceTaintRule")] = func() []registry.PrintColumn {
		taint := resourcev1.DeviceTaint{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("KEY", "string", ".spec.taint.key", taint["key"]),
			column("VALUE", "string", ".spec.taint.value", taint["value"]),
			column("EFFECT", "string", ".spec.taint.effect", taint["effect"]),
			column("TIMEADDED", "string", cell("devicetaintrule.timeadded", func(o *resourcev1.DeviceTaintRule) any {
				if t := o.Spec.Taint.TimeAdded; t != nil {
					return since(*t)
				}
				return ""
			}), taint["timeAdded"]),
			ageCol,
		}
	}

	adm := admissionregistrationv1.SchemeGroupVersion
	webhooks := "Webhooks indicates the number of webhooks registered in this configuration"
	m[adm.WithKind("MutatingWebhookConfiguration")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{nameCol, column("WEBHOOKS", "integer", "count(.webhooks)", webhooks), ageCol}
	}
	m[adm.WithKind("ValidatingWebhookConfiguration")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{nameCol, column("WEBHOOKS", "integer", "count(.webhooks)", webhooks), ageCol}
	}
	paramKind := "ParamKind specifies the kind of resources used to parameterize this policy"
	m[adm.WithKind("ValidatingAdmissionPolicy")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("VALIDATIONS", "integer", "count(.spec.validations)", "Validations indicates the number of validation rules defined in this configuration"),
			column("PARAMKIND", "string", cell("validatingadmissionpolicy.paramkind", func(o *admissionregistrationv1.ValidatingAdmissionPolicy) any {
				return policyParamKind(o.Spec.ParamKind)
			}), paramKind),
			ageCol,
		}
	}
	m[adm.WithKind("MutatingAdmissionPolicy")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("MUTATIONS", "integer", "count(.spec.mutations)", "Mutation indicates the number of mutations rules defined in this configuration"),
			column("PARAMKIND", "string", cell("mutatingadmissionpolicy.paramkind", func(o *admissionregistrationv1.MutatingAdmissionPolicy) any {
				return policyParamKind(o.Spec.ParamKind)
			}), paramKind),
			ageCol,
		}
	}
	m[adm.WithKind("ValidatingAdmissionPolicyBinding")] = func() []registry.PrintColumn {
		return policyBindingColumns(cell("validatingadmissionpolicybinding.paramref", func(o *admissionregistrationv1.ValidatingAdmissionPolicyBinding) any {
			return policyParamRef(o.Spec.ParamRef)
		}))
	}
	m[adm.WithKind("MutatingAdmissionPolicyBinding")] = func() []registry.PrintColumn {
		return policyBindingColumns(cell("mutatingadmissionpolicybinding.paramref", func(o *admissionregistrationv1.MutatingAdmissionPolicyBinding) any {
			return policyParamRef(o.Spec.ParamRef)
		}))
	}

	m[storagemigrationv1.SchemeGroupVersion.WithKind("StorageVersionMigration")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("RESOURCE", "string", cell("storageversionmigration.resource", func(o *storagemigrationv1.StorageVersionMigration) any {
				return schema.GroupResource{Group: o.Spec.Resource.Group, Resource: o.Spec.Resource.Resource}.String()
			}), "GroupResource to migrate"),
			column("STATUS", "string", cell("storageversionmigration.status", func(o *storagemigrationv1.StorageVersionMigration) any {
				status := "Unknown"
				for _, c := range o.Status.Conditions {
					if c.Status != metav1.ConditionTrue {
						continue
					}
					switch storagemigrationv1.MigrationConditionType(c.Type) {
					case storagemigrationv1.MigrationRunning, storagemigrationv1.MigrationFailed, storagemigrationv1.MigrationSucceeded:
						status = c.Type
					}
				}
				return status
			}), "Status of the migration"),
		}
	}
}

// bindingColumns are the columns of RoleBinding and ClusterRoleBinding.
func bindingColumns[T any](kind, noun string, get func(*T) (rbacv1.RoleRef, []rbacv1.Subject)) []registry.PrintColumn {
	subjects := func(name string, want string) string {
		return cell(kind+"."+name, func(o *T) any {
			_, subs := get(o)
			var out []string
			for _, s := range subs {
				if s.Kind != want {
					continue
				}
				if s.Kind == rbacv1.ServiceAccountKind {
					out = append(out, s.Namespace+"/"+s.Name)
				} else {
					out = append(out, s.Name)
				}
			}
			return strings.Join(out, ", ")
		})
	}
	return []registry.PrintColumn{
		nameCol,
		column("ROLE", "string", cell(kind+".role", func(o *T) any {
			ref, _ := get(o)
			return ref.Kind + "/" + ref.Name
		}), rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"]),
		ageCol,
		wide(column("USERS", "string", subjects("users", rbacv1.UserKind), "Users in the "+noun)),
		wide(column("GROUPS", "string", subjects("groups", rbacv1.GroupKind), "Groups in the "+noun)),
		wide(column("SERVICEACCOUNTS", "string", subjects("serviceaccounts", rbacv1.ServiceAccountKind), "ServiceAccounts in the "+noun)),
	}
}

// csrCondition is Approved, Denied or Pending, then ",Failed" and
// ",Issued" when they apply.
func csrCondition(o *certificatesv1.CertificateSigningRequest) any {
	var approved, denied, failed bool
	for _, c := range o.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	switch {
	case denied:
		status = "Denied"
	case approved:
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(o.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}

func policyParamKind(p *admissionregistrationv1.ParamKind) string {
	if p == nil {
		return "<unset>"
	}
	return p.APIVersion + "/" + p.Kind
}

func policyParamRef(p *admissionregistrationv1.ParamRef) string {
	switch {
	case p == nil:
		return "<unset>"
	case p.Name != "" && p.Namespace != "":
		return p.Namespace + "/" + p.Name
	case p.Name != "":
		// Whether the parameter is cluster-scoped is not known here.
		return "*/" + p.Name
	case p.Selector != nil:
		return p.Selector.String()
	}
	return "<unset>"
}

func policyBindingColumns(paramRef string) []registry.PrintColumn {
	return []registry.PrintColumn{
		nameCol,
		column("POLICYNAME", "string", ".spec.policyName", "PolicyName indicates the policy definition which the policy binding binded to"),
		column("PARAMREF", "string", paramRef, "ParamRef indicates the param resource which sets the configuration param"),
		ageCol,
	}
}
