"""``lakehouse deploy``: the JSON that runs the packaged jobs on EMR, from conf/prod.yaml's ``emr:``."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.packaging.conftest import PACKAGES

CODE = "s3://retail-lakehouse-prod-code/lakehouse"
ZIP = "retail_lakehouse-0.1.0-py3-none-any.zip"


def deploy(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "deploy", *args, "--out", str(workdir)],
                          cwd=workdir, capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **env})


def test_emr_steps_are_one_spark_submit_per_selection_in_order(workdir: Path) -> None:
    done = deploy(workdir, "emr-steps", "--env", "prod", "--run", "bronze", "--run", "silver.orders")
    assert done.returncode == 0, done.stderr
    steps = json.loads((workdir / "emr-steps.json").read_text())["Steps"]
    assert [step["Name"] for step in steps] == ["lakehouse run bronze --mode batch --env prod",
                                                "lakehouse run silver.orders --mode batch --env prod"]
    assert {step["ActionOnFailure"] for step in steps} == {"CANCEL_AND_WAIT"}
    assert steps[1]["HadoopJarStep"] == {"Jar": "command-runner.jar", "Args": [
        "spark-submit", "--deploy-mode", "cluster", "--py-files", f"{CODE}/{ZIP}", *PACKAGES,
        f"{CODE}/jobs/run.py", "silver.orders", "--mode", "batch", "--env", "prod"]}


def test_emr_serverless_requests_name_the_release_the_role_and_the_job(workdir: Path) -> None:
    done = deploy(workdir, "emr-serverless", "gold", "--env", "prod", "--application-id", "00fexample")
    assert done.returncode == 0, done.stderr
    assert json.loads((workdir / "emr-serverless-create-application.json").read_text()) == {
        "name": "retail-lakehouse-prod", "releaseLabel": "emr-8.0.0", "type": "SPARK"}
    assert json.loads((workdir / "emr-serverless-start-job-run.json").read_text()) == {
        "applicationId": "00fexample",
        "executionRoleArn": "arn:aws:iam::123456789012:role/retail-lakehouse-prod-emr-serverless",
        "name": "lakehouse run gold --mode batch --env prod",
        "jobDriver": {"sparkSubmit": {
            "entryPoint": f"{CODE}/jobs/run.py",
            "entryPointArguments": ["gold", "--mode", "batch", "--env", "prod"],
            "sparkSubmitParameters": " ".join(["--py-files", f"{CODE}/{ZIP}", *PACKAGES]),
        }},
        "configurationOverrides": {"monitoringConfiguration": {
            "s3MonitoringConfiguration": {"logUri": "s3://retail-lakehouse-prod-logs/emr-serverless/"}}},
    }


def test_the_files_the_requests_name_are_what_make_package_builds(dist: Path) -> None:
    assert (dist / ZIP).is_file() and (dist / "jobs" / "run.py").is_file()


def test_an_env_without_emr_settings_is_one_line(workdir: Path) -> None:
    done = deploy(workdir, "emr-steps", "--env", "local")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: env 'local' has no emr: section; lakehouse deploy needs one (see conf/prod.yaml)")


def test_an_unknown_selection_is_one_line_before_anything_is_written(workdir: Path) -> None:
    done = deploy(workdir, "emr-steps", "--env", "prod", "--run", "silver.nonsense")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: unknown table or layer 'silver.nonsense' (try `lakehouse tables`)"
    assert not (workdir / "emr-steps.json").exists()


def test_a_bad_emr_setting_names_its_key(workdir: Path) -> None:
    conf = workdir / "conf"
    conf.mkdir()
    prod = (Path(__file__).resolve().parents[2] / "conf" / "prod.yaml").read_text()
    (conf / "prod.yaml").write_text(prod.replace("release_label: emr-8.0.0", "release_label: '8.0'"))
    done = deploy(workdir, "emr-steps", "--env", "prod", LAKEHOUSE_CONF=str(conf))
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"error: {conf}/prod.yaml: emr.release_label: string should match")
