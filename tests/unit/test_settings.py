from smelter.settings import load_settings


def test_priority_defaults_file_env_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "smelter.toml"
    cfg.write_text('seed = 7\n[spark]\nmaster = "local[2]"\n[mlflow]\ntracking_uri = "http://file:5000"\n')
    assert load_settings(config_file=cfg).seed == 7
    monkeypatch.setenv("SMELTER_SPARK__MASTER", "spark://cluster:7077")
    s = load_settings(config_file=cfg, seed=9)
    assert (s.seed, s.spark.master, s.tracking_uri) == (9, "spark://cluster:7077", "http://file:5000")


def test_default_tracking_is_sqlite_under_mlruns(tmp_path, monkeypatch):
    monkeypatch.delenv("SMELTER_CONFIG", raising=False)
    s = load_settings(mlruns_root=tmp_path / "m")
    assert s.tracking_uri == f"sqlite:///{tmp_path / 'm'}/mlflow.db"

