"""Configuration is strict, overridable by the environment, and fails in one line."""
from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.lib import config

VALID = """
paths:
  landing: data/landing
  lakehouse: data/lakehouse
  report: data/report
  logs: data/logs
"""


def write(tmp_path: Path, text: str, env: str = "local") -> Path:
    (tmp_path / f"{env}.yaml").write_text(text)
    return tmp_path


def test_relative_paths_resolve_against_the_repository(tmp_path: Path) -> None:
    settings = config.load("local", write(tmp_path, VALID))
    assert settings.paths.landing == str(tmp_path.parent / "data" / "landing")
    assert settings.table_path("silver.orders") == f"{settings.paths.lakehouse}/silver/orders"


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"spark\.shuffle_partitons: extra inputs are not permitted"):
        config.load("local", write(tmp_path, VALID + "spark:\n  shuffle_partitons: 4\n"))


def test_wrong_type_is_an_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"spark\.shuffle_partitions: "):
        config.load("local", write(tmp_path, VALID + "spark:\n  shuffle_partitions: many\n"))


def test_missing_environment_file_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    with pytest.raises(config.ConfigError, match=r"no configuration 'staging'.*known: local"):
        config.load("staging", tmp_path)


def test_environment_overrides_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROOT", "s3a://lake/root")
    monkeypatch.setenv("LAKEHOUSE_LANDING", "/mnt/landing")
    settings = config.load("local", write(tmp_path, VALID))
    assert settings.paths.lakehouse == "s3a://lake/root"
    assert settings.paths.landing == "/mnt/landing"
    assert settings.table_path("gold.daily_sales") == "s3a://lake/root/gold/daily_sales"


def test_pseudonym_key_is_required_where_the_config_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_PSEUDONYM_KEY", raising=False)
    strict = config.load("prod", write(tmp_path, VALID + "privacy:\n  require_key: true\n", env="prod"))
    with pytest.raises(config.ConfigError, match="LAKEHOUSE_PSEUDONYM_KEY is not set"):
        strict.pseudonym_key()
    monkeypatch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "s3cret")
    assert strict.pseudonym_key() == b"s3cret"
    lenient = config.load("local", write(tmp_path, VALID + "privacy:\n  require_key: false\n"))
    monkeypatch.delenv("LAKEHOUSE_PSEUDONYM_KEY")
    assert lenient.pseudonym_key() == config.LOCAL_PSEUDONYM_KEY.encode()


def test_the_personal_data_key_is_32_bytes_of_base64_and_required_where_the_config_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_PII_KEY", raising=False)
    strict = config.load("prod", write(tmp_path, VALID + "privacy:\n  require_key: true\n", env="prod"))
    with pytest.raises(config.ConfigError, match="^LAKEHOUSE_PII_KEY is not set: env 'prod' needs"):
        strict.pii_key()
    for wrong in ("c2hvcnQ=", "not base64 at all!"):
        monkeypatch.setenv("LAKEHOUSE_PII_KEY", wrong)
        with pytest.raises(config.ConfigError, match=r"^LAKEHOUSE_PII_KEY must be 32 bytes in base64"):
            strict.pii_key()
    monkeypatch.setenv("LAKEHOUSE_PII_KEY", base64.b64encode(bytes(range(32))).decode())
    assert strict.pii_key() == bytes(range(32))
    monkeypatch.delenv("LAKEHOUSE_PII_KEY")
    lenient = config.load("local", write(tmp_path, VALID + "privacy:\n  require_key: false\n"))
    assert len(lenient.pii_key()) == 32


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_shipped_configurations_are_valid(env: str) -> None:
    assert config.load(env).env == env


def test_command_line_reports_a_bad_setting_in_one_line_with_exit_code_2() -> None:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "run", "--env", "nowhere"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no configuration 'nowhere'" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


def test_mlflow_keeps_runs_beside_a_local_root_and_needs_a_server_for_one_on_s3(tmp_path: Path) -> None:
    local = config.load("local", write(tmp_path, VALID))
    assert local.mlflow_tracking_uri == f"sqlite:///{tmp_path.parent}/data/mlflow/mlflow.db"
    assert local.mlflow_artifact_location == f"{tmp_path.parent}/data/mlflow/artifacts"
    on_s3 = config.load("dev", write(tmp_path, VALID.replace("data/lakehouse", "s3a://lake/lakehouse"), "dev"))
    with pytest.raises(config.ConfigError, match=r"^churn.tracking_uri and churn.artifact_location: a root on "
                                                 r"s3a:// needs a tracking server and an artifact store$"):
        _ = on_s3.mlflow_tracking_uri
    served = VALID.replace("data/lakehouse", "s3a://lake/lakehouse") + (
        "churn:\n  tracking_uri: https://mlflow.example\n  artifact_location: s3://mlflow/artifacts\n")
    shared = config.load("prod", write(tmp_path, served, "prod"))
    assert (shared.mlflow_tracking_uri, shared.mlflow_artifact_location) == ("https://mlflow.example",
                                                                             "s3://mlflow/artifacts")


def test_a_source_names_its_own_trigger_and_batch_sizes_over_the_defaults(tmp_path: Path) -> None:
    settings = config.load("local", write(tmp_path, VALID + (
        "stream:\n  trigger_interval: 30 seconds\n  max_files_per_trigger: 50\n"
        "  sources:\n    clickstream: {trigger_interval: 2 seconds, max_offsets_per_trigger: 500}\n")))
    clickstream, orders = settings.stream.of("clickstream"), settings.stream.of("orders")
    assert (clickstream.trigger_interval, clickstream.max_files_per_trigger) == ("2 seconds", 50)
    assert clickstream.max_offsets_per_trigger == 500
    assert (orders.trigger_interval, orders.max_files_per_trigger, orders.max_offsets_per_trigger) == (
        "30 seconds", 50, None)


def test_an_unknown_stream_source_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"stream\.sources: .*clicks: no such source \(known: clickstream"):
        config.load("local", write(tmp_path, VALID + "stream:\n  sources:\n    clicks: {trigger_interval: 1 second}\n"))
