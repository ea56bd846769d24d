"""EMR step definitions and EMR Serverless requests, written from the conf's ``emr:`` section.

Each runs what ``make package`` built, once copied to ``emr.code`` (``aws s3 sync dist/ <code>/``):
``jobs/run.py`` as the main file, the wheel as a zip on ``--py-files`` (the conf inside it), and the
Delta packages read from jvm/pom.xml. Spark's master comes from EMR; nothing here calls AWS.
"""
from __future__ import annotations

from importlib.metadata import version

from lakehouse.lib import spark_packages
from lakehouse.lib.config import ConfigError, Emr, Settings

JOB = "jobs/run.py"


def emr_settings(settings: Settings) -> Emr:
    if settings.emr is None:
        raise ConfigError(f"env '{settings.env}' has no emr: section; "
                          "lakehouse deploy needs one (see conf/prod.yaml)")
    return settings.emr


def py_files(emr: Emr) -> str:
    """The ``make package`` zip on S3: the wheel's name, ending in ``.zip``."""
    return f"{emr.code}/retail_lakehouse-{version('retail-lakehouse')}-py3-none-any.zip"


def submit_parameters(emr: Emr) -> list[str]:
    return ["--py-files", py_files(emr), *spark_packages.read().submit_args()]


def run_arguments(selection: str, mode: str, env: str) -> list[str]:
    return [selection, "--mode", mode, "--env", env]


def steps(settings: Settings, selections: list[str], mode: str) -> dict[str, object]:
    """The ``Steps`` of EMR's AddJobFlowSteps (or RunJobFlow): one spark-submit step per selection."""
    emr = emr_settings(settings)
    return {"Steps": [{
        "Name": f"lakehouse run {selection} --mode {mode} --env {settings.env}",
        "ActionOnFailure": emr.action_on_failure,
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", *submit_parameters(emr), f"{emr.code}/{JOB}",
                     *run_arguments(selection, mode, settings.env)],
        },
    } for selection in selections]}


def create_application(settings: Settings) -> dict[str, object]:
    """EMR Serverless CreateApplication: a Spark application on the conf's release."""
    emr = emr_settings(settings)
    return {"name": emr.serverless.application_name, "releaseLabel": emr.release_label, "type": "SPARK"}


def start_job_run(settings: Settings, application_id: str, selection: str, mode: str) -> dict[str, object]:
    """EMR Serverless StartJobRun for ``lakehouse run <selection>`` on the application ``application_id``."""
    emr = emr_settings(settings)
    return {
        "applicationId": application_id,
        "executionRoleArn": emr.serverless.execution_role_arn,
        "name": f"lakehouse run {selection} --mode {mode} --env {settings.env}",
        "jobDriver": {"sparkSubmit": {
            "entryPoint": f"{emr.code}/{JOB}",
            "entryPointArguments": run_arguments(selection, mode, settings.env),
            "sparkSubmitParameters": " ".join(submit_parameters(emr)),
        }},
        "configurationOverrides": {
            "monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": emr.serverless.logs}},
        },
    }
