"""Run summaries and failure summaries built from flows' results (typed results, as the flows return)."""

from __future__ import annotations

import json

from smelter.artifacts import artifact_key, dataset_rows, decisions, key_numbers, metric_rows, summary_markdown
from smelter.hooks import DEFAULT_ADVICE, advice, failure_summary
from smelter.results import (
    DatasetPublished,
    DesignSolved,
    DriftChecked,
    GateChecked,
    ModelRegistered,
    ModelTrained,
    as_plain,
)

REFINE = {
    "bronze": [
        DatasetPublished("bronze/daily_sales", "v1", 730),
        DatasetPublished("bronze/state_population", "v0", 2, new=False),
    ],
    "silver": [
        DatasetPublished(
            "silver/daily_sales",
            "v2",
            730,
            quality="silver/daily_sales: 9/9 expectations passed on 730 rows (spark, 1.00 s)",
        )
    ],
    "gold": DatasetPublished("gold/demand_features", "v3", 730, quality="gold: 7/7 expectations"),
}
TRAIN = {
    "trained": ModelTrained("r1", "demand-forecast", "v3", {"test_rmse": 12.5, "baseline_test_rmse": 20.0}),
    "registered": ModelRegistered("demand-forecast", "4", True, "test_rmse 12.5 < champion v3's 13"),
}
NETWORK = {
    "datasets": [DatasetPublished("gold/network_legs", "v5", 14), DatasetPublished("gold/network_summary", "v6", 2)],
    "checks": [{"undelivered": 0.0}],
    "designs": [
        DesignSolved({"threshold": 0.0}, "optimal", 900.0, 0.0, 1.5),
        DesignSolved({"threshold": 50.0}, "optimal", 700.0, 0.0, 2.0),
    ],
}
SCORES = {
    "predictions": DatasetPublished(
        "gold/demand_predictions", "v7", 15, detail="model demand-forecast v4, engine pandas"
    )
}

DRIFT = DriftChecked(
    "demand-forecast",
    True,
    ["population"],
    "m7",
    "logged at training",
    [
        {
            "feature": "population",
            "statistic": "KS",
            "value": 0.97,
            "threshold": "> 0.1 with p < 0.01",
            "flagged": "yes",
        },
        {"feature": "state", "statistic": "PSI", "value": 0.01, "threshold": "> 0.2", "flagged": "no"},
    ],
    "drift-report",
    "a1b2",
)


def test_dataset_rows_orders_layers_and_says_what_happened():
    rows = dataset_rows({"data": REFINE, "scores": SCORES})  # layer order; within a layer, run order
    assert [(r["layer"], r["dataset"], r["rows"]) for r in rows] == [
        ("bronze", "daily_sales", 730),
        ("bronze", "state_population", 2),
        ("silver", "daily_sales", 730),
        ("gold", "demand_features", 730),
        ("gold", "demand_predictions", 15),
    ]
    assert rows[1]["detail"] == "source unchanged: nothing new published"
    assert "9/9 expectations passed" in rows[2]["detail"]
    assert rows[4]["detail"] == "model demand-forecast v4, engine pandas"


def test_metrics_and_champion_decision():
    assert metric_rows(TRAIN) == [
        {"metric": "test_rmse", "value": 12.5},
        {"metric": "baseline_test_rmse", "value": 20.0},
    ]
    assert decisions(TRAIN) == ["demand-forecast v4 becomes @champion: test_rmse 12.5 < champion v3's 13"]
    unregistered = {
        "gate": GateChecked("convergence", False, "r_hat too high"),
        "registry": ModelRegistered("heart-risk", None, False, "r_hat too high"),
    }
    assert decisions(unregistered) == [
        "convergence gate FAILED: r_hat too high",
        "heart-risk not registered: r_hat too high",
    ]


def test_summary_markdown_has_every_section_that_applies():
    text = summary_markdown("demand-forecast", "demand-forecast @ 2026-01-01 02:00Z", {"data": REFINE, "model": TRAIN})
    for part in (
        "## Data: rows in and out per layer",
        "| bronze | daily_sales | v1 | 730 |",
        "quality gate",
        "## Model metrics",
        "| test_rmse | 12.5 |",
        "## Champion decision",
        "`r1`",
    ):
        assert part in text
    assert "## Optimisation" not in text
    network = summary_markdown("design-network", "n", NETWORK)
    assert "| 50 | optimal | 700 | 0 | 2 |" in network and "network-summary" in network
    assert "| gold | network_legs | v5 | 14 |" in network
    assert "quality gate" not in network and "## Model metrics" not in network


def test_a_scoring_run_summary_has_the_drift_section():
    text = summary_markdown(
        "demand-forecast-score", "score @ x", {"predictions": SCORES["predictions"], "drift": DRIFT}
    )
    drift = text[text.index("## Drift: demand-forecast") :]
    assert "**DRIFT** in population (baseline logged at training)." in drift
    assert "| feature | statistic | value | threshold | flagged |" in drift
    assert (
        "| population | KS | 0.97 | > 0.1 with p < 0.01 | yes |" in drift
        and "| state | PSI | 0.01 | > 0.2 | no |" in drift
    )
    assert "Full report: Prefect artifact `drift-report` (id `a1b2`); MLflow monitoring run `m7`." in drift
    quiet = DriftChecked("heart-risk", None, note="no baseline: heart-risk v2 has no training run",
                         artifact_key="drift-report")  # fmt: skip
    assert "not compared: no baseline: heart-risk v2 has no training run." in summary_markdown("s", "r", [quiet])
    assert "## Drift" not in summary_markdown("s", "r", SCORES)
    assert {"section": "drift", "name": "demand-forecast drifted", "value": True} in key_numbers({"d": DRIFT})


def test_key_numbers_are_plain_rows():
    rows = key_numbers({"data": REFINE, "model": TRAIN, "network": NETWORK})
    assert {"section": "rows", "name": "gold/demand_features", "value": 730} in rows
    assert {"section": "metric", "name": "test_rmse", "value": 12.5} in rows
    assert {"section": "champion", "name": "demand-forecast v4", "value": True} in rows
    assert {"section": "optimisation", "name": "cheapest objective (threshold 50.0)", "value": 700.0} in rows
    assert {"section": "optimisation", "name": "designs optimal", "value": "2/2"} in rows
    assert key_numbers({}) == []


def test_results_print_as_plain_json():
    plain = as_plain({"model": TRAIN, "network": NETWORK})
    assert plain["model"]["registered"] == {
        "model_name": "demand-forecast",
        "version": "4",
        "promoted": True,
        "reason": "test_rmse 12.5 < champion v3's 13",
    }
    assert plain["network"]["designs"][1]["scenario"] == {"threshold": 50.0}
    json.dumps(plain)


def test_artifact_key_is_valid():
    assert artifact_key("Design Network", "key-numbers") == "design-network-key-numbers"


def test_failure_summary_names_step_input_error_and_advice():
    steps = [
        {
            "name": "ingest-csv-0",
            "message": "Task run encountered an exception RawFileError: raw source /in/sales.csv does not exist",
        }
    ]
    text = failure_summary(
        "demand-forecast-refine",
        "refine-demand @ x",
        {"sales_path": "/in/sales.csv"},
        steps,
        "Flow run encountered an exception. RawFileError: raw source /in/sales.csv does not exist",
        rerun="prefect deployment run 'demand-forecast-refine/daily' -p name=value",
        url="http://ui/r",
    )
    for part in (
        "# demand-forecast-refine FAILED",
        "`ingest-csv-0`",
        "`sales_path` = `'/in/sales.csv'`",
        "path parameters",
        "Re-run: `prefect deployment run 'demand-forecast-refine/daily'",
        "http://ui/r",
    ):
        assert part in text


def test_advice_by_error_kind():
    assert "quality rule" in advice("DataQualityError: silver/daily_sales failed 1 expectation")
    assert "timeout" in advice("TimeoutError: Task run exceeded timeout of 1800.0 second(s)")
    assert "unreachable" in advice("MlflowException: API request failed: Connection refused")
    assert advice("ZeroDivisionError: division by zero") == DEFAULT_ADVICE


def test_unreachable_webhook_is_a_logged_warning_not_a_crash(caplog):
    import logging
    import socket

    from smelter.hooks import _post_logged

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening, closed when the block ends
    with caplog.at_level(logging.INFO):
        _post_logged(logging.getLogger("t"), f"http://127.0.0.1:{port}/hook", {"text": "x"})
    assert "could not post the failure summary" in caplog.text
