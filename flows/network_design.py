"""Air network design: for each threshold, which city pairs get a direct leg and how demand
is routed through hubs (a MIP in cvxpy + HiGHS); results to gold, MLflow and a Prefect artifact.

Ad hoc: ``python -m flows.network_design --n-cities 12 --thresholds 0,10,50``.
"""

from __future__ import annotations

from smelter.artifacts import publish_run_summary
from smelter.hooks import pipeline_flow
from smelter.naming import NETWORK_DESIGN as P
from smelter.settings import load_settings
from smelter.tracking import configure_mlflow
from tasks.network_design.stages import (
    optimise_network_stage,
    prepare_network_stage,
    publish_network_stage,
    report_network_stage,
    track_network_stage,
    verify_network_stage,
)


@pipeline_flow(P, run="-n{n_cities}-{formulation}", timeout_seconds=7200)
def network_design(
    thresholds: tuple[float, ...] = (0.0, 10.0, 50.0, 200.0),
    n_cities: int = 12,
    formulation: str = "paths",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.01,
    seed: int | None = None,
    total_passengers: int = 10_000,
    gamma: float = 1.0,
    pax_cost_per_km: float = 1.0,
    city_set: str = "us",
    cities_path: str | None = None,
    demand_path: str | None = None,
) -> dict:
    """Sweep minimum-cost thresholds (cost per km of operating a leg) over one network."""
    settings = load_settings()
    configure_mlflow(settings)
    seed = settings.seed if seed is None else seed
    cities, demand = prepare_network_stage(n_cities, cities_path, demand_path, total_passengers, gamma, city_set, seed)
    designs = [
        optimise_network_stage(cities, demand, t, pax_cost_per_km, formulation, time_limit_s, mip_gap, seed)
        for t in thresholds
    ]
    checks = [verify_network_stage(d) for d in designs]
    published = publish_network_stage(settings, designs)
    params = {
        "formulation": formulation,
        "n_cities": len(cities),
        "thresholds": ",".join(map(str, thresholds)),
        "time_limit_s": time_limit_s,
        "mip_gap": mip_gap,
        "seed": seed,
        "city_set": city_set,
        "total_passengers": float(demand["passengers"].sum()),
        "gamma": gamma,
        "pax_cost_per_km": pax_cost_per_km,
        "cities_path": cities_path,
        "demand_path": demand_path,
    }
    run_id = track_network_stage(settings, designs, published["summary"], published["legs"], params)
    report_network_stage(published["summary"])
    return publish_run_summary(
        {"run_id": run_id, "datasets": published["datasets"], "checks": checks, "designs": published["designs"]}
    )


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(network_design)
