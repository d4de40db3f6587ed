"""Flow decorator helpers: the house's flow decorator, run names that say what and when, the failure hook.

``run_name(template)`` is a ``flow_run_name``: the template filled with the run's parameters,
plus its scheduled start in UTC. ``notify_failure`` is an ``on_failure`` hook: it writes what
failed (which step, with which inputs, the error, what to do) to the run's log and as the
markdown artifact ``<flow>-failure``, and posts it to ``settings.notify_webhook_url`` when set.
"""

from __future__ import annotations

import inspect
import json
import urllib.request
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from smelter.naming import Pipeline

ADVICE = [  # (words in the error, what to do); the first match wins
    (
        ("DataQualityError", "expectation"),
        "The data broke a quality rule; nothing was published for that dataset. Fix the rows named above in "
        "the source file (or the suite, if the rule is wrong) and run again.",
    ),
    (
        ("RawFileError", "ScoringInputError", "FileNotFoundError", "does not exist", "lacks column"),
        "An input file is missing or malformed. Check the path parameters and the file named above, "
        "then run again with corrected parameters (-p name=value).",
    ),
    (
        ("ProfileInputError", "SupportError"),
        "A profiled column cannot be used as asked (named above, with its row where there is one). Leave it out, "
        "or give it another kind or family (layer/name:column=kind), then run again.",
    ),
    (
        ("TimeoutError", "timed out", "timeout"),
        "A step ran past its timeout. Run again on less data (parameters) or raise the step's timeout.",
    ),
    (
        ("MlflowException", "ConnectionError", "Connection refused", "database is locked"),
        "A server (MLflow tracking/registry, or Prefect's database) was unreachable or busy. Check that it "
        "is up (SMELTER_MLFLOW__TRACKING_URI, PREFECT_SERVER_DATABASE_CONNECTION_URL) and run again.",
    ),
]
DEFAULT_ADVICE = "Read the failed step's logs in the Prefect UI, fix the cause, then run again."


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def run_name(template: str) -> Callable[[], str]:
    """A ``flow_run_name`` callable: ``template`` filled with the run's parameters + ``@ <UTC start>``."""

    def name() -> str:
        from prefect.context import FlowRunContext
        from prefect.runtime import flow_run

        ctx = FlowRunContext.get()  # a deployment's parameters may leave out the flow's defaults
        signature = inspect.signature(ctx.flow.fn).parameters.values() if ctx and ctx.flow else []
        values = {p.name: p.default for p in signature if p.default is not p.empty} | flow_run.parameters
        when = flow_run.scheduled_start_time.astimezone(UTC)
        return f"{template.format_map(_Missing(values))} @ {when:%Y-%m-%d %H:%M}Z"

    return name


def pipeline_flow(pipeline: Pipeline, stage: str | None = None, run: str = "", timeout_seconds: float = 3600):
    """The house's flow decorator: the name from :mod:`smelter.naming` (``<pipeline>[-<stage>]``), a run name
    that says what and when (``run``: a suffix filled with the parameters, e.g. ``"-{start}-to-{end}"``),
    prints in the run's log, a timeout and :func:`notify_failure` on failure."""
    from prefect import flow

    name = pipeline.flow(stage)
    return flow(
        name=name,
        flow_run_name=run_name(name + run),
        log_prints=True,
        timeout_seconds=timeout_seconds,
        on_failure=[notify_failure],
    )


def advice(error: str) -> str:
    """What to do about an error, by the words in it."""
    return next((text for words, text in ADVICE if any(w in error for w in words)), DEFAULT_ADVICE)


def failure_summary(
    flow_name: str,
    run_name: str,
    parameters: dict,
    failed_steps: list[dict],
    error: str,
    rerun: str | None = None,
    url: str | None = None,
) -> str:
    """Markdown: which run, which step(s) with their error, the inputs, what to do, how to re-run."""
    lines = [f"# {flow_name} FAILED", "", f"Flow run `{run_name}`" + (f": {url}" if url else ".")]
    lines += ["", "## Failed step(s)", ""]
    lines += [f"- `{s['name']}`: {s['message']}" for s in failed_steps] or ["- (no task failed: the flow itself)"]
    lines += ["", "## Error", "", f"```\n{error}\n```", "", "## Inputs (parameters)", ""]
    lines += [f"- `{k}` = `{v!r}`" for k, v in parameters.items()] or ["- (none)"]
    lines += ["", "## What to do", "", advice(error + " " + " ".join(s["message"] for s in failed_steps))]
    if rerun:
        lines += ["", f"Re-run: `{rerun}`"]
    return "\n".join(lines) + "\n"


def post_webhook(url: str, payload: dict, timeout: float = 10.0) -> int:
    """POST ``payload`` as JSON; returns the HTTP status (raises on connection errors)."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def _post_logged(logger: Any, url: str, payload: dict) -> None:
    """Post to the webhook; a webhook that cannot be reached is a warning in the run's log, not a crash."""
    try:
        logger.info("failure summary posted to the webhook (HTTP %s)", post_webhook(url, payload))
    except OSError as exc:
        logger.warning("could not post the failure summary to %s: %s", url, exc)


def _failed_steps_and_deployment(flow_run: Any) -> tuple[list[dict], str | None]:
    """The run's failed/crashed task runs (name, state message) and its deployment's name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])),
            task_run_filter=TaskRunFilter(
                state=TaskRunFilterState(type=TaskRunFilterStateType(any_=["FAILED", "CRASHED"]))
            ),
        )
        deployment = client.read_deployment(flow_run.deployment_id).name if flow_run.deployment_id else None
    return [{"name": r.name, "message": r.state.message if r.state else ""} for r in runs], deployment


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` hook: log the summary, publish it as ``<flow>-failure``, post it to the webhook."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.logging.loggers import flow_run_logger
    from prefect.settings import PREFECT_UI_URL

    from smelter.artifacts import artifact_key
    from smelter.settings import load_settings

    logger = flow_run_logger(flow_run, flow)
    try:
        steps, deployment = _failed_steps_and_deployment(flow_run)
    except Exception as exc:  # the summary and the webhook matter more than these details
        logger.warning("could not read the failed steps from the Prefect API: %s", exc)
        steps, deployment = [], None
    ui = PREFECT_UI_URL.value()
    url = f"{ui}/runs/flow-run/{flow_run.id}" if ui else None
    rerun = f"prefect deployment run '{flow.name}/{deployment}' -p name=value" if deployment else None
    text = failure_summary(
        flow.name, flow_run.name, dict(flow_run.parameters), steps, state.message or str(state), rerun, url
    )
    logger.error(text)
    webhook = load_settings().notify_webhook_url
    if webhook and not flow_run.parent_task_run_id:  # the outermost run notifies, once
        _post_logged(
            logger,
            webhook,
            {
                "text": text,
                "flow": flow.name,
                "flow_run": flow_run.name,
                "flow_run_id": str(flow_run.id),
                "state": state.name,
                "failed_steps": steps,
                "url": url,
            },
        )
    with get_client(sync_client=True) as client:
        client.create_artifact(
            ArtifactCreate(
                key=artifact_key(flow.name, "failure"),
                type="markdown",
                data=text,
                flow_run_id=flow_run.id,
                description=f"Why {flow_run.name} failed",
            )
        )


PERMANENT_ERRORS = (
    "DataQualityError",
    "RawFileError",
    "ScoringInputError",
    "RejectedRowsError",
    "DatasetNotFoundError",
    "LakeNotVisibleError",
    "StoreStateError",
    "ProfileInputError",
    "SupportError",
    "CausalInputError",
    "BaseModelError",
    "UnknownColumnError",
)


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """A task's ``retry_condition_fn``: retry unless the failure is bad input, which would fail again."""
    try:
        state.result()
    except Exception as exc:  # the task's own exception
        return not {c.__name__ for c in type(exc).__mro__} & set(PERMANENT_ERRORS)
    return True
