package main

import (
	"fmt"
	"log/slog"
	"net"

	"postmeter/funds"
)

// plainHTTPAllowed says whether serve may listen on listen without TLS: only on a loopback address
// (127.0.0.0/8, ::1, localhost), where requests never cross a network, unless insecure says an operator
// accepts plain HTTP (for example behind a TLS-terminating proxy on the same host); that is logged loudly.
func plainHTTPAllowed(log *slog.Logger, listen string, insecure bool) error {
	if isLoopbackListen(listen) {
		return nil
	}
	if insecure {
		log.Warn("PLAIN HTTP ON A NETWORK ADDRESS: -insecure-plain-http is set, so meters' requests and the "+
			"Data Center's answers cross the network unencrypted; use it only behind a TLS proxy on this host",
			"listen", listen)
		return nil
	}
	return fmt.Errorf("-listen %s is not a loopback address and no TLS certificate is given, so meters would "+
		"talk to the Data Center in plain text over the network. Give -tls-cert and -tls-key (README: Making a "+
		"certificate for the Data Center), listen on 127.0.0.1, or, if a TLS proxy on this host protects the "+
		"connection, add -insecure-plain-http.", listen)
}

// isLoopbackListen says whether a listen address binds only loopback: an empty host binds every
// interface, so it is not loopback.
func isLoopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	return funds.IsLoopbackHost(host)
}
