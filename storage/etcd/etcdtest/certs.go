package etcdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Certs are the PEM files WriteCerts creates: a CA, a server certificate
// for 127.0.0.1 and localhost, and a client certificate, all signed by
// the CA.
type Certs struct {
	CAFile                string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// WriteCerts writes a fresh CA and certificates into dir, valid for a day.
func WriteCerts(dir string) (Certs, error) {
	c := Certs{
		CAFile:     filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
	}
	now := time.Now()
	caKey := newKey()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "etcdtest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER := must(x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey))
	caCert := must(x509.ParseCertificate(caDER))
	files := map[string][]byte{c.CAFile: pemOf("CERTIFICATE", caDER)}
	leaves := []struct {
		serial    int64
		name      string
		usage     x509.ExtKeyUsage
		cert, key string
	}{
		{2, "etcdtest server", x509.ExtKeyUsageServerAuth, c.ServerCert, c.ServerKey},
		{3, "etcdtest client", x509.ExtKeyUsageClientAuth, c.ClientCert, c.ClientKey},
	}
	for _, l := range leaves {
		key := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(l.serial),
			Subject:      pkix.Name{CommonName: l.name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{l.usage},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			DNSNames:     []string{"localhost"},
		}
		files[l.cert] = pemOf("CERTIFICATE", must(x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)))
		files[l.key] = pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(key)))
	}
	for _, path := range []string{c.CAFile, c.ServerCert, c.ServerKey, c.ClientCert, c.ClientKey} {
		if err := os.WriteFile(path, files[path], 0o600); err != nil {
			return Certs{}, fmt.Errorf("etcdtest: writing %s: %w", path, err)
		}
	}
	return c, nil
}

// must is for the certificate operations that fail only on a bug in the
// templates above (crypto/rand does not fail).
func must[T any](v T, err error) T {
	if err != nil {
		panic("etcdtest: " + err.Error())
	}
	return v
}

func newKey() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) }

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
