"""`lakehouse train` on the generated shop (conftest.py): everything logged, the baseline beaten, promotion by
alias, scoring, and the MLflow UI as a browser shows it."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.request import urlopen

import keras
import mlflow.models
import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import cli
from lakehouse.lib.churn import model, promotion
from lakehouse.lib.churn.scoring import score
from lakehouse.lib.churn.training import NotBetterThanBaseline, train
from lakehouse.lib.config import Settings
from lakehouse.lib.loopback import free_port

from ..browser import page_text
from ..privacy.test_secrets import SECRETS, forms, texts
from .conftest import CUSTOMERS, SCORES

def test_training_logs_everything_beats_the_baseline_and_registers_the_first_champion(
        spark: SparkSession, shop: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, secret in SECRETS.items():  # set, as on a worker that holds them: none may reach MLflow
        monkeypatch.setenv(name, secret)
    trained = train(spark, shop, "first")

    assert trained.model["roc_auc"] > trained.baseline["roc_auc"]
    assert trained.model["roc_auc"] > 0.7, "fading customers are easy to tell apart"
    assert (trained.decision.version, trained.decision.promoted, trained.decision.champion_version) == ("1", True,
                                                                                                     None)
    client = MlflowClient(shop.mlflow_tracking_uri)
    run = client.get_run(trained.run_id)
    assert {"roc_auc", "pr_auc", "log_loss", "brier", "baseline_roc_auc", "baseline_pr_auc", "baseline_log_loss",
            "baseline_brier", "epochs_run"} <= set(run.data.metrics)
    assert run.data.params["horizon_days"] == "30" and run.data.params["input_version.silver.orders"] == "0"
    assert run.data.params["promotion.decision"] == "champion"
    inputs = {(i.dataset.name, i.tags[0].value, i.dataset.source_type) for i in run.inputs.dataset_inputs}
    assert inputs == {("gold.customer_features_history", "training", "delta_table"),
                      ("gold.customer_features_history", "holdout", "delta_table")}
    artifacts = {a.path for a in client.list_artifacts(trained.run_id, "plots")}
    assert artifacts == {"plots/roc.png", "plots/calibration.png", "plots/permutation_importance.png",
                         "plots/permutation_importance.json"}
    store = Path(shop.mlflow_tracking_uri.removeprefix("sqlite:///"))
    assert store.is_file()
    logged = [*run.data.params.values(), *run.data.tags.values(),
              *(text for path, text in texts(store.parent).items() if not zipfile.is_zipfile(path))]
    leaked = [name for name, secret in SECRETS.items() for form in forms(secret) for text in logged
              if form.lower() in text.lower()]
    assert not leaked, leaked

    registered = client.get_model_version_by_alias("churn", "champion")
    assert str(registered.version) == "1"
    assert str(client.get_model_version_by_alias("churn", "challenger").version) == "1"
    assert registered.run_id == trained.run_id
    requirements = Path(mlflow.pyfunc.get_model_dependencies("models:/churn@champion")).read_text().split()
    assert {f"{name}=={metadata.version(name)}" for name in ("tensorflow-cpu", "retail-lakehouse")} <= set(requirements)
    info = mlflow.models.get_model_info("models:/churn@champion")
    assert info.signature.inputs.input_names() == list(model.FEATURES) and info.saved_input_example_info
    gold_rows = pd.DataFrame({"recency_days": [3.0, None], "frequency": [9.0, 0.0], "monetary_usd": [250.0, 0.0],
                              "sessions_30d": [12.0, 0.0], "avg_rating": [None, 4.0], "tenure_days": [400.0, 35.0],
                              "country": ["DE", "a country never seen"]})
    served = mlflow.pyfunc.load_model("models:/churn@champion").predict(gold_rows)
    assert served.between(0, 1).all(), "gold rows as they are, NULLs and unknown countries included"


def test_the_same_model_again_stays_challenger_and_lakehouse_train_says_so(
        shop: Settings, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same data and seed give the same holdout score: not strictly better, so version 1 stays champion."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "local.yaml").write_text(yaml.safe_dump({
        "paths": shop.paths.model_dump(), "spark": {"master": "local[2]", "shuffle_partitions": 2},
        "privacy": {"require_key": False}, "churn": shop.churn.model_dump()}))
    monkeypatch.setattr(sys, "argv", ["lakehouse", "train", "--env", str(conf / "local")])

    with pytest.raises(SystemExit) as exit_code:
        cli.main()

    assert exit_code.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())  # as read, whatever the terminal's width wrapped
    assert "Keras" in printed and "baseline (logistic regression)" in printed
    said = re.search(r"Version 2 \((0\.\d{3})\) does not beat champion version 1 \((0\.\d{3})\) on the same "
                     r"holdout", printed)
    assert said and said.group(1) == said.group(2)
    assert f"in {shop.mlflow_tracking_uri}" in printed and "make mlflow-ui" in printed
    client = MlflowClient(shop.mlflow_tracking_uri)
    assert str(client.get_model_version_by_alias("churn", "champion").version) == "1"
    assert str(client.get_model_version_by_alias("churn", "challenger").version) == "2"
    second = client.get_model_version("churn", "2")
    assert client.get_run(second.run_id).data.params["promotion.decision"] == "challenger"


def test_a_better_version_becomes_champion(shop: Settings) -> None:
    client = MlflowClient(shop.mlflow_tracking_uri)
    champion = client.get_model_version_by_alias("churn", "champion")
    better = str(client.create_model_version("churn", champion.source, run_id=champion.run_id).version)

    decision = promotion.decide(client, "churn", better, 0.99, lambda uri: 0.5)

    assert decision.promoted and decision.champion_version == str(champion.version)
    assert str(client.get_model_version_by_alias("churn", "champion").version) == better


def test_a_model_that_does_not_beat_the_baseline_fails_and_registers_nothing(
        spark: SparkSession, shop: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    client = MlflowClient(shop.mlflow_tracking_uri)
    versions = len(client.search_model_versions("name = 'churn'"))
    build = model.build

    def learns_nothing(train_rows: pd.DataFrame, validation: pd.DataFrame, **options: object) -> tuple:
        """A model whose dense layers are all zero: 0.5 for everyone, a holdout ROC AUC of exactly 0.5."""
        untrained = build(train_rows, 1)
        for layer in untrained.layers:
            if isinstance(layer, keras.layers.Dense):
                layer.set_weights([np.zeros_like(weights) for weights in layer.get_weights()])
        return untrained, 0

    monkeypatch.setattr(model, "fit", learns_nothing)

    with pytest.raises(NotBetterThanBaseline, match=r"^the churn model's holdout ROC AUC 0\.500 does not beat"):
        train(spark, shop, "untrained")

    assert len(client.search_model_versions("name = 'churn'")) == versions
    failed = client.search_runs([client.get_experiment_by_name("churn").experiment_id],
                                "attributes.run_name = 'untrained'")
    assert [run.info.status for run in failed] == ["FAILED"]


def test_scoring_writes_one_row_per_customer_and_version_and_a_second_time_replaces(spark: SparkSession,
                                                                                   shop: Settings) -> None:
    client = MlflowClient(shop.mlflow_tracking_uri)
    champion = int(client.get_model_version_by_alias("churn", "champion").version)

    first = score(spark, shop)
    scores = spark.read.format("delta").load(shop.table_path(SCORES))
    assert (first.model_version, first.customers) == (champion, CUSTOMERS), "every customer signed up before day 1"
    assert scores.select("customer_key").distinct().count() == scores.count() == CUSTOMERS
    assert scores.where("churn_probability BETWEEN 0 AND 1").count() == CUSTOMERS
    assert {(r.model_name, r.model_version) for r in scores.select("model_name", "model_version").collect()} == {
        ("churn", champion)}
    first_scored_at = scores.agg(F.max("scored_at")).first()[0]

    score(spark, shop)
    again = spark.read.format("delta").load(shop.table_path(SCORES))
    assert again.count() == CUSTOMERS, "the same version again replaces its rows"
    assert again.agg(F.min("scored_at")).first()[0] > first_scored_at

    client.set_registered_model_alias("churn", "champion", "1")
    score(spark, shop)
    both = spark.read.format("delta").load(shop.table_path(SCORES))
    assert {r.model_version: r["count"] for r in both.groupBy("model_version").count().collect()} == {
        champion: CUSTOMERS, 1: CUSTOMERS}


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed (apt-get install chromium)")
def test_the_mlflow_ui_shows_the_runs_and_which_version_is_champion(shop: Settings, tmp_path: Path) -> None:
    """``make mlflow-ui``'s server over the training tests' store, read by a browser as a person would."""
    port = free_port()
    with (tmp_path / "ui.log").open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "mlflow", "ui", "--backend-store-uri",
                                   shop.mlflow_tracking_uri, "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", "1"],
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "ui.log").read_text()[-2000:]
                time.sleep(1)
        client = MlflowClient(shop.mlflow_tracking_uri)
        champion = client.get_model_version_by_alias("churn", "champion").version
        models = page_text(f"http://127.0.0.1:{port}/#/models/churn", tmp_path / "browser")
        assert re.search(rf"Version {champion} [^@]*@ champion", models), models[-2000:]
        experiment = client.get_experiment_by_name("churn").experiment_id
        runs = page_text(f"http://127.0.0.1:{port}/#/experiments/{experiment}/runs", tmp_path / "browser")
        assert "first" in runs.split() and "gold.customer_features_history" in runs, runs[-2000:]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
