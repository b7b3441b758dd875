package kubetypes

import (
	"fmt"
	"strconv"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

func networkingColumns(m map[schema.GroupVersionKind]func() []registry.PrintColumn) {
	n := networkingv1.SchemeGroupVersion
	m[n.WithKind("Ingress")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("CLASS", "string", cell("ingress.class", func(o *networkingv1.Ingress) any {
				return deref(o.Spec.IngressClassName, "<none>")
			}), "The name of the IngressClass resource that should be used for additional configuration"),
			column("HOSTS", "string", cell("ingress.hosts", func(o *networkingv1.Ingress) any {
				return ingressHosts(o.Spec.Rules)
			}), "Hosts that incoming requests are matched against before the ingress rule"),
			column("ADDRESS", "string", cell("ingress.address", func(o *networkingv1.Ingress) any {
				in := o.Status.LoadBalancer.Ingress
				ips, hosts := make([]string, len(in)), make([]string, len(in))
				for i := range in {
					ips[i], hosts[i] = in[i].IP, in[i].Hostname
				}
				return loadBalancerIngress(ips, hosts)
			}), "Address is a list containing ingress points for the load-balancer"),
			column("PORTS", "string", cell("ingress.ports", func(o *networkingv1.Ingress) any {
				if len(o.Spec.TLS) != 0 {
					return "80, 443"
				}
				return "80"
			}), "Ports of TLS configurations that open"),
			ageCol,
		}
	}
	m[n.WithKind("IngressClass")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			column("NAME", "string", cell("ingressclass.name", func(o *networkingv1.IngressClass) any {
				if o.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
					return o.Name + " (default)"
				}
				return o.Name
			}), nameCol.Description),
			column("CONTROLLER", "string", ".spec.controller", "Controller that is responsible for handling this class"),
			column("PARAMETERS", "string", cell("ingressclass.parameters", func(o *networkingv1.IngressClass) any {
				p := o.Spec.Parameters
				if p == nil {
					return "<none>"
				}
				s := p.Kind
				if p.APIGroup != nil {
					s += "." + *p.APIGroup
				}
				return s + "/" + p.Name
			}), "A reference to a resource with additional parameters"),
			ageCol,
		}
	}
	m[n.WithKind("NetworkPolicy")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("POD-SELECTOR", "string", cell("networkpolicy.podselector", func(o *networkingv1.NetworkPolicy) any {
				return metav1.FormatLabelSelector(&o.Spec.PodSelector)
			}), networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
			ageCol,
		}
	}
	m[n.WithKind("ServiceCIDR")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("CIDRS", "string", cell("servicecidr.cidrs", func(o *networkingv1.ServiceCIDR) any {
				return strings.Join(o.Spec.CIDRs, ",")
			}), networkingv1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"]),
			ageCol,
		}
	}
	m[n.WithKind("IPAddress")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("PARENTREF", "string", cell("ipaddress.parentref", func(o *networkingv1.IPAddress) any {
				p := o.Spec.ParentRef
				if p == nil {
					return "<none>"
				}
				s := strings.ToLower(schema.GroupResource{Group: p.Group, Resource: p.Resource}.String())
				if p.Namespace != "" {
					s += "/" + p.Namespace
				}
				return s + "/" + p.Name
			}), networkingv1.IPAddressSpec{}.SwaggerDoc()["parentRef"]),
		}
	}
	m[discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice")] = func() []registry.PrintColumn {
		doc := discoveryv1.EndpointSlice{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("ADDRESSTYPE", "string", ".addressType", doc["addressType"]),
			column("PORTS", "string", cell("endpointslice.ports", func(o *discoveryv1.EndpointSlice) any {
				ports := make([]string, len(o.Ports))
				for i, p := range o.Ports {
					switch {
					case p.Port != nil:
						ports[i] = strconv.Itoa(int(*p.Port))
					case p.Name != nil:
						ports[i] = *p.Name
					default:
						ports[i] = "*"
					}
				}
				return listWithMore(ports, 3)
			}), doc["ports"]),
			column("ENDPOINTS", "string", cell("endpointslice.endpoints", func(o *discoveryv1.EndpointSlice) any {
				var addrs []string
				for _, e := range o.Endpoints {
					addrs = append(addrs, e.Addresses...)
				}
				return listWithMore(addrs, 3)
			}), doc["endpoints"]),
			ageCol,
		}
	}
}

// ingressHosts lists the hosts of the rules, up to three; a fourth
// host-bearing rule makes the rest "+ N more..." counted over all rules,
// as the API server's printer counts them. "*" when no rule has a host.
func ingressHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == max {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	s := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", s, len(rules)-max)
	}
	return s
}
