package structural

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// lazyRE compiles a regular expression on first use: the format set is
// large and most processes never check a single format, so compiling
// at init (as kube-openapi's strfmt does) would be start-up cost paid
// for nothing.
type lazyRE struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRE) MatchString(s string) bool {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re.MatchString(s)
}

// The patterns are those of kube-openapi's strfmt (and its vendored
// govalidator), so a value passes here exactly when it passes the API
// server.
var (
	rxHostname   = &lazyRE{src: `^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$`}
	rxUUID       = &lazyRE{src: `(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$`}
	rxUUID3      = &lazyRE{src: `(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$`}
	rxUUID4      = &lazyRE{src: `(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`}
	rxUUID5      = &lazyRE{src: `(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`}
	rxCreditCard = &lazyRE{src: `^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$`}
	rxISBN10     = &lazyRE{src: `^(?:[0-9]{9}X|[0-9]{10})$`}
	rxISBN13     = &lazyRE{src: `^(?:[0-9]{13})$`}
	rxHexcolor   = &lazyRE{src: `^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`}
	rxRGBcolor   = &lazyRE{src: `^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$`}
	rxBase64     = &lazyRE{src: `^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})$`}
	rxSSN        = &lazyRE{src: `^\d{3}[- ]?\d{2}[- ]?\d{4}$`}
	rxBSONID     = &lazyRE{src: `^[0-9a-fA-F]{24}$`}
	rxDateTime   = &lazyRE{src: `^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$`}
	rxShortName  = &lazyRE{src: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`}
	rxLongName   = &lazyRE{src: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`}
	rxDuration   = &lazyRE{src: `((\d+)\s*([A-Za-zµ]+))`}
	rxNotNumber  = &lazyRE{src: `[^0-9]+`}
	rxSpaceMinus = &lazyRE{src: `[\s-]+`}
)

// stringFormats are the formats the API server checks for CRDs (the
// apiextensions "supported formats" at the current compatibility
// version), keyed by name with dashes removed as go-openapi normalises
// them; any other format is ignored, as the API server strips it.
var stringFormats = map[string]func(string) bool{
	"bsonobjectid": rxBSONID.MatchString,
	"uri":          isRequestURI,
	"email":        isEmail,
	"hostname":     isHostname,
	"ipv4":         isIPv4,
	"ipv6":         isIPv6,
	"cidr":         isCIDR,
	"mac":          isMAC,
	"uuid":         rxUUID.MatchString,
	"uuid3":        rxUUID3.MatchString,
	"uuid4":        rxUUID4.MatchString,
	"uuid5":        rxUUID5.MatchString,
	"isbn":         func(s string) bool { return isISBN(s, 10) || isISBN(s, 13) },
	"isbn10":       func(s string) bool { return isISBN(s, 10) },
	"isbn13":       func(s string) bool { return isISBN(s, 13) },
	"creditcard":   isCreditCard,
	"ssn":          func(s string) bool { return len(s) == 11 && rxSSN.MatchString(s) },
	"hexcolor":     rxHexcolor.MatchString,
	"rgbcolor":     rxRGBcolor.MatchString,
	"byte":         rxBase64.MatchString,
	"password":     func(string) bool { return true },
	"date":         isDate,
	"duration":     isDuration,
	"datetime":     isDateTime,
	"k8sshortname": func(s string) bool { return len(s) <= 63 && rxShortName.MatchString(s) },
	"k8slongname":  func(s string) bool { return len(s) <= 253 && rxLongName.MatchString(s) },
}

// stringFormat returns the checker for a schema's format when the
// format applies to strings, nil otherwise.
func stringFormat(schemaType, format string) func(string) bool {
	if format == "" || (schemaType != "" && schemaType != "string") {
		return nil
	}
	return stringFormats[strings.ReplaceAll(format, "-", "")]
}

func isRequestURI(s string) bool {
	_, err := url.ParseRequestURI(s)
	return err == nil
}

func isEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address != ""
}

func isHostname(s string) bool {
	if len(s) > 255 || !rxHostname.MatchString(s) {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if len(p) > 63 {
			return false
		}
	}
	return true
}

// parseIPSloppy accepts leading zeros in IPv4 octets, as the API server
// does for compatibility with Go before 1.17.
func parseIPSloppy(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	if strings.Contains(s, ":") {
		return nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil
	}
	var b [4]byte
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return nil
		}
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return nil
		}
		b[i] = byte(n)
	}
	return net.IPv4(b[0], b[1], b[2], b[3])
}

func isIPv4(s string) bool { return parseIPSloppy(s) != nil && strings.Contains(s, ".") }

func isIPv6(s string) bool { return net.ParseIP(s) != nil && strings.Contains(s, ":") }

// isCIDR is the API server's sloppy CIDR parse (Go 1.16 rules): IPv4
// octets and the prefix length may have leading zeros.
func isCIDR(s string) bool {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return false
	}
	addr, prefix := s[:i], s[i+1:]
	ip := parseIPSloppy(addr)
	if ip == nil {
		return false
	}
	bits := 128
	if !strings.Contains(addr, ":") {
		bits = 32
	}
	if prefix == "" || len(prefix) > 8 {
		return false
	}
	n := 0
	for _, c := range prefix {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= bits
}

func isMAC(s string) bool {
	_, err := net.ParseMAC(s)
	return err == nil
}

func isISBN(s string, version int) bool {
	sanitized := rxSpaceMinus.replaceAll(s)
	switch version {
	case 10:
		if !rxISBN10.MatchString(sanitized) {
			return false
		}
		var sum int32
		for i := int32(0); i < 9; i++ {
			sum += (i + 1) * int32(sanitized[i]-'0')
		}
		if sanitized[9] == 'X' {
			sum += 10 * 10
		} else {
			sum += 10 * int32(sanitized[9]-'0')
		}
		return sum%11 == 0
	default:
		if !rxISBN13.MatchString(sanitized) {
			return false
		}
		factor := []int32{1, 3}
		var sum int32
		for i := 0; i < 12; i++ {
			sum += factor[i%2] * int32(sanitized[i]-'0')
		}
		return int32(sanitized[12]-'0')-((10-(sum%10))%10) == 0
	}
}

func (l *lazyRE) replaceAll(s string) string {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re.ReplaceAllString(s, "")
}

// isCreditCard checks the issuer pattern and the Luhn checksum.
func isCreditCard(s string) bool {
	sanitized := rxNotNumber.replaceAll(s)
	if !rxCreditCard.MatchString(sanitized) {
		return false
	}
	var sum int
	double := false
	for i := len(sanitized) - 1; i >= 0; i-- {
		d := int(sanitized[i] - '0')
		if double {
			d *= 2
			if d >= 10 {
				d = d%10 + 1
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// isDateTime is strfmt's IsDateTime: an RFC 3339 full-date, "T" (any
// case), and a time with a zone, seconds fraction optional.
func isDateTime(s string) bool {
	if len(s) < 4 {
		return false
	}
	parts := strings.Split(strings.ToLower(s), "t")
	if len(parts) < 2 || !isDate(parts[0]) {
		return false
	}
	rxDateTime.once.Do(func() { rxDateTime.re = regexp.MustCompile(rxDateTime.src) })
	m := rxDateTime.re.FindStringSubmatch(parts[1])
	return m != nil && m[1] <= "23" && m[2] <= "59" && m[3] <= "59"
}

var durationUnits = [][]string{
	{"ns", "nano"},
	{"us", "µs", "micro"},
	{"ms", "milli"},
	{"s", "sec"},
	{"m", "min"},
	{"h", "hr", "hour"},
	{"d", "day"},
	{"w", "wk", "week"},
}

// isDuration accepts Go durations and strfmt's looser "3 days" forms.
func isDuration(s string) bool {
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	rxDuration.once.Do(func() { rxDuration.re = regexp.MustCompile(rxDuration.src) })
	ok := false
	for _, m := range rxDuration.re.FindAllStringSubmatch(s, -1) {
		if _, err := strconv.Atoi(m[2]); err != nil {
			return false
		}
		unit := strings.ToLower(strings.TrimSpace(m[3]))
		for _, variants := range durationUnits {
			last := len(variants) - 1
			for i, v := range variants {
				if (i == last && strings.HasPrefix(unit, v)) || strings.EqualFold(v, unit) {
					ok = true
				}
			}
		}
	}
	return ok
}
