"""The wheel installed into a fresh virtualenv, run from a folder outside the repository.

Each command here must find its conf in the installed package (or in the ``--py-files`` zip),
or in ``LAKEHOUSE_CONF`` when that is set; none of them can see the source tree.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, command_env

pytestmark = pytest.mark.slow


def installed(venv: Path, workdir: Path, *args: str, timeout: int = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "lakehouse"), *args], cwd=workdir, capture_output=True,
                          text=True, timeout=timeout, env=command_env(venv, **(env or {})))


def one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
    return lines[0]


def test_the_installed_command_reads_the_packaged_prod_conf(venv: Path, workdir: Path) -> None:
    done = installed(venv, workdir, "generate", "--env", "prod")
    assert done.returncode == 2
    assert one_error_line(done) == (
        "error: paths.landing: generate writes local files, not s3a://retail-lakehouse-prod-landing/landing")


def test_an_unknown_env_names_the_packaged_conf_folder(venv: Path, workdir: Path) -> None:
    done = installed(venv, workdir, "run", "--env", "staging")
    assert done.returncode == 2
    packaged = venv / "lib" / "python3.11" / "site-packages" / "lakehouse" / "conf"
    assert one_error_line(done) == (
        f"error: no configuration 'staging': {packaged}/staging.yaml does not exist "
        "(known: dev, local, prod, s3)")


def test_a_conf_folder_in_the_environment_wins(venv: Path, workdir: Path) -> None:
    conf = workdir / "conf"
    conf.mkdir()
    (conf / "prod.yaml").write_text("paths:\n  landing: s3a://elsewhere/landing\n"
                                    "  lakehouse: s3a://elsewhere/lake\n  report: report\n  logs: logs\n")
    done = installed(venv, workdir, "generate", "--env", "prod", env={"LAKEHOUSE_CONF": str(conf)})
    assert done.returncode == 2
    assert one_error_line(done) == (
        "error: paths.landing: generate writes local files, not s3a://elsewhere/landing")


def test_a_missing_conf_folder_is_one_line(venv: Path, workdir: Path) -> None:
    done = installed(venv, workdir, "run", "--env", "prod", env={"LAKEHOUSE_CONF": str(workdir / "nowhere")})
    assert done.returncode == 2
    assert one_error_line(done) == (
        f"error: LAKEHOUSE_CONF: {workdir / 'nowhere'} is not a folder (it should hold <env>.yaml files)")


def test_the_installed_package_generates_and_runs_a_table_on_a_tmp_root(venv: Path, workdir: Path) -> None:
    """The packaged local.yaml: relative paths (report, logs, jars) are relative to the working directory."""
    (workdir / ".jars").symlink_to(REPO / ".jars")
    roots = {"LAKEHOUSE_ROOT": str(workdir / "lake"), "LAKEHOUSE_LANDING": str(workdir / "landing")}
    made = installed(venv, workdir, "generate", "--customers", "20", "--events", "300", "--days", "1",
                     env=roots)
    assert made.returncode == 0, made.stderr
    assert any((workdir / "landing" / "reviews").rglob("*.jsonl*"))
    done = installed(venv, workdir, "run", "bronze.reviews", timeout=600, env=roots)
    assert done.returncode == 0, done.stderr
    assert "bronze.reviews" in done.stdout
    assert (workdir / "lake" / "bronze" / "reviews" / "_delta_log" / "00000000000000000000.json").is_file()
    assert (workdir / "lake" / "_catalog" / "metastore_db").is_dir()


def test_spark_submit_runs_the_job_with_the_code_and_conf_from_the_py_files_zip(venv: Path, dist: Path,
                                                                                workdir: Path) -> None:
    (archive,) = dist.glob("*.zip")
    done = subprocess.run([str(venv / "bin" / "spark-submit"), "--py-files", str(archive),
                           str(dist / "jobs" / "run.py"), "silver", "--env", "staging"],
                          cwd=workdir, capture_output=True, text=True, timeout=300, env=command_env(venv))
    assert done.returncode == 2, done.stdout + done.stderr
    # spark-submit passes on the job's exit code and sends its standard error to standard output.
    error = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("error:")]
    assert error == [f"error: no configuration 'staging': {archive}/lakehouse/conf/staging.yaml "
                     "does not exist (known: dev, local, prod, s3)"]
    assert "Traceback" not in done.stdout + done.stderr
