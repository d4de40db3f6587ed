import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from smelter.settings import SettingsError, SparkSettings, load_settings

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def write_config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "smelter.toml"
    cfg.write_text(text)
    return cfg


def test_priority_defaults_file_env_overrides(tmp_path, monkeypatch):
    cfg = write_config(
        tmp_path, 'seed = 7\n[spark]\nmaster = "local[2]"\n[mlflow]\ntracking_uri = "http://file:5000"\n'
    )
    assert load_settings(config_file=cfg).seed == 7
    monkeypatch.setenv("SMELTER_SPARK__MASTER", "spark://cluster:7077")
    s = load_settings(config_file=cfg, seed=9)
    assert (s.seed, s.spark.master, s.tracking_uri) == (9, "spark://cluster:7077", "http://file:5000")


def test_default_tracking_is_sqlite_under_mlruns(tmp_path, monkeypatch):
    monkeypatch.delenv("SMELTER_CONFIG", raising=False)
    s = load_settings(mlruns_root=tmp_path / "m")
    assert s.tracking_uri == f"sqlite:///{tmp_path / 'm'}/mlflow.db"


def test_default_serving_model_is_the_demand_forecast_champion():
    assert load_settings().serving.model_uri == "models:/demand-forecast@champion"


def test_every_known_key_loads_from_file_and_environment(tmp_path, monkeypatch):
    cfg = write_config(
        tmp_path,
        (
            'data_root = "/lake"\nseed = 3\nnotify_webhook_url = "http://hook"\n'
            '[spark]\nmaster = "local[2]"\n[spark.extra_conf]\n"spark.sql.ansi.enabled" = "true"\n'
            '[mlflow]\nregistry_uri = "http://reg"\n[lake]\nkeep_versions = 2\n[serving]\nmax_rows = 10\n'
        ),
    )
    monkeypatch.setenv("SMELTER_MLFLOW__TRACKING_URI", "http://track")
    monkeypatch.setenv("SMELTER_SERVING__PORT", "9000")
    monkeypatch.setenv("SMELTER_PROJECT_DIR", str(tmp_path))  # set by the Prefect worker: not a setting, allowed
    s = load_settings(config_file=cfg)
    assert (s.data_root, s.seed, s.notify_webhook_url) == (Path("/lake"), 3, "http://hook")
    assert (s.spark.master, s.spark.extra_conf) == ("local[2]", {"spark.sql.ansi.enabled": "true"})
    assert (s.tracking_uri, s.registry_uri, s.lake.keep_versions) == ("http://track", "http://reg", 2)
    assert (s.serving.max_rows, s.serving.port) == (10, 9000)


def test_free_form_table_keys_are_not_settings_names(tmp_path):
    cfg = write_config(tmp_path, '[spark.extra_conf]\n"spark.anything.at.all" = "1"\n')
    assert load_settings(config_file=cfg).spark.extra_conf == {"spark.anything.at.all": "1"}


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[mlfow]\ntracking_uri = "http://typo:5000"\n', "'mlfow' in {cfg} (did you mean 'mlflow'?)"),
        ('[spark]\nmastr = "spark://cluster:7077"\n', "'spark.mastr' in {cfg} (did you mean 'master'?)"),
        (
            "[spark.extra_conf]\n[lake]\nkeep_version = 2\n",
            "'lake.keep_version' in {cfg} (did you mean 'keep_versions'?)",
        ),
    ],
    ids=["typo-table", "typo-nested-key", "typo-after-free-table"],
)
def test_unknown_key_in_file_is_named_with_the_file(tmp_path, toml, named):
    cfg = write_config(tmp_path, toml)
    with pytest.raises(SettingsError, match=re.escape(named.format(cfg=cfg))):
        load_settings(config_file=cfg)


def test_file_named_by_smelter_config_is_checked_too(tmp_path, monkeypatch):
    cfg = write_config(tmp_path, "sead = 1\n")
    monkeypatch.setenv("SMELTER_CONFIG", str(cfg))
    with pytest.raises(SettingsError, match=re.escape(f"'sead' in {cfg}")):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "named"),
    [
        (
            "SMELTER_MLFOW__TRACKING_URI",
            "'mlfow' in the environment (SMELTER_MLFOW__TRACKING_URI) (did you mean 'mlflow'?)",
        ),
        ("SMELTER_SPARK__MASTR", "'spark.mastr' in the environment (SMELTER_SPARK__MASTR) (did you mean 'master'?)"),
        ("SMELTER_SEED__VALUE", "'seed.value' in the environment (SMELTER_SEED__VALUE)"),  # a plain value has no keys
        ("smelter_sead", "'sead' in the environment (smelter_sead) (did you mean 'seed'?)"),  # names are case-blind
    ],
    ids=["typo-top", "typo-nested", "key-below-value", "lower-case"],
)
def test_unknown_environment_variable_is_named(monkeypatch, variable, named):
    monkeypatch.setenv(variable, "spark://typo:7077")
    with pytest.raises(SettingsError, match=re.escape(named)):
        load_settings()


def test_every_unknown_key_is_listed_at_once(tmp_path, monkeypatch):
    cfg = write_config(tmp_path, "[mlfow]\n[lake]\nkeep = 1\n")
    monkeypatch.setenv("SMELTER_SERVING__PROT", "1")
    with pytest.raises(SettingsError) as err:
        load_settings(config_file=cfg, sed=1)
    lines = str(err.value).splitlines()[1:]
    assert [line.split(" in ")[0].strip() for line in lines] == ["'mlfow'", "'lake.keep'", "'serving.prot'", "'sed'"]
    assert "the keyword overrides" in lines[-1]


def test_sub_settings_forbid_unknown_fields():
    with pytest.raises(ValidationError, match="mastr"):
        SparkSettings(mastr="local[1]")
    with pytest.raises(SettingsError, match=re.escape("'spark.mastr' in the keyword overrides")):
        load_settings(spark={"mastr": "local[1]"})


# Test isolation (tests/conftest.py): the run never sees a developer's SMELTER_*, smelter.toml or ~/.prefect.


def test_run_environment_is_isolated():
    smelter_vars = {name for name in os.environ if name.upper().startswith("SMELTER_")}
    assert smelter_vars == {"SMELTER_CONFIG"}
    config = Path(os.environ["SMELTER_CONFIG"])
    assert config.read_text() == ""
    assert config.name == "smelter.toml" and Path(os.environ["PREFECT_HOME"]).parent == config.parent
    assert config.parent.name.startswith("smelter-tests-")
    assert Path(os.environ["PREFECT_HOME"]) != Path.home() / ".prefect"


def test_settings_come_from_the_empty_session_file_not_the_project(monkeypatch):
    """With no SMELTER_* and the empty file, settings are the defaults: a project smelter.toml is not read."""
    from smelter.settings import PROJECT_ROOT, Settings

    assert load_settings() == Settings()
    assert load_settings().data_root == PROJECT_ROOT / "data"


def _inner_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in-process in ``pytester.path`` with this project's root conftest and tier markers."""
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makeini(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider\n"
        "markers =\n    unit\n    model\n    spark\n    flow\n    serving\n    deploy\n"
    )
    return pytester.runpytest_inprocess(*args)


def test_conftest_removes_user_settings_and_restores_them_after(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("SMELTER_MLFLOW__TRACKING_URI", "http://real-server:5000")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "user-prefect"))
    pytester.makepyfile(
        **{
            "unit/test_env": f"""
        import os
        def test_env():
            assert "SMELTER_MLFLOW__TRACKING_URI" not in os.environ
            assert os.environ["PREFECT_HOME"] != {str(tmp_path / "user-prefect")!r}
            assert open(os.environ["SMELTER_CONFIG"]).read() == ""
        """
        }
    )
    _inner_run(pytester).assert_outcomes(passed=1)
    assert os.environ["SMELTER_MLFLOW__TRACKING_URI"] == "http://real-server:5000"
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "user-prefect")


def test_tests_are_marked_with_their_folder_tier(pytester):
    pytester.makepyfile(
        **{
            "unit/test_a": "def test_a(): pass",
            "spark/test_b": "def test_b(): pass",
            "flow/test_c": "def test_c(): pass",
        }
    )
    _inner_run(pytester, "-m", "unit or flow").assert_outcomes(passed=2, deselected=1)


def test_a_test_outside_a_tier_folder_is_refused(pytester):
    pytester.makepyfile(test_loose="def test_loose(): pass")
    result = _inner_run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*tests outside a tier folder*test_loose.py*"])


def test_batch_scoring_size_and_threads_are_settings_of_at_least_one(tmp_path, monkeypatch):
    defaults = load_settings().scoring
    assert (defaults.mini_batch_size, defaults.max_concurrency) == (100_000, 2)
    monkeypatch.setenv("SMELTER_SCORING__MINI_BATCH_SIZE", "250000")
    cfg = write_config(tmp_path, "[scoring]\nmax_concurrency = 1\n")
    scoring = load_settings(config_file=cfg).scoring
    assert (scoring.mini_batch_size, scoring.max_concurrency) == (250_000, 1)
    with pytest.raises(ValidationError, match="mini_batch_size"):
        load_settings(scoring={"mini_batch_size": 0})
