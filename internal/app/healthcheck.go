package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// healthcheck asks this container's own bot whether it is ready (GET /readyz on HTTP_ADDR's
// port, on the loopback interface) and exits 0 only on 200. It is for Docker's and Compose's
// healthcheck: the image has no shell or curl to make the request. It reads HTTP_ADDR alone,
// so a healthcheck never fails on another variable.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	url := readyzURL(os.Getenv("HTTP_ADDR"))
	if len(args) > 0 {
		url = args[0]
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "testerbot healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "testerbot healthcheck: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintln(stdout, "ready")
	return 0
}

// readyzURL is /readyz on the loopback interface at HTTP_ADDR's port (8080 by default).
func readyzURL(httpAddr string) string {
	port := "8080"
	if _, p, err := net.SplitHostPort(strings.TrimSpace(httpAddr)); err == nil && p != "" && p != "0" {
		port = p
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz"
}
