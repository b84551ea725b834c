"""Operations: liveness, readiness and metrics, for load balancers, orchestrators and
Prometheus (README, Operations)."""
