// Package ops gives operators a view into the running bot: liveness and
// readiness endpoints for the orchestrator, and Prometheus metrics for
// dashboards and alerts.
//
// Metrics live in a private registry so that tests, and several instances in
// one process, never collide on the global default registry.
package ops
