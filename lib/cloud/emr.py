"""EMR step definitions and EMR Serverless requests, written from the conf's ``emr:`` section.

Each runs what ``make package`` built, once copied to ``emr.code`` (``aws s3 sync dist/ <code>/``):
a ``jobs/<command>.py`` entry point as the main file, the wheel as a zip on ``--py-files`` (the conf
inside it), and the Delta packages read from jvm/pom.xml. Spark's master comes from EMR; nothing here
calls AWS.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from lakehouse.lib import spark_packages
from lakehouse.lib.config import ConfigError, Emr, Settings


@dataclass(frozen=True)
class Job:
    """One ``lakehouse`` command as a spark-submit job: ``jobs/<first word>.py`` with the command's arguments.

    ``--env`` is kept apart from the arguments, so the same job can run on another environment's
    settings (Airflow's local switch runs the prod DAG's jobs on ``--env local``).
    """

    command: tuple[str, ...]
    arguments: tuple[str, ...] = ()

    @property
    def script(self) -> str:
        return f"jobs/{self.command[0]}.py"

    def argv(self, env: str) -> list[str]:
        return [*self.arguments, "--env", env]

    def name(self, env: str) -> str:
        return " ".join(["lakehouse", *self.command, *self.argv(env)])


def run_job(selection: str, mode: str) -> Job:
    return Job(("run",), (selection, "--mode", mode))


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


def step(settings: Settings, job: Job, action_on_failure: str | None = None) -> dict[str, object]:
    """One ``command-runner.jar`` step of AddJobFlowSteps whose arguments are the whole spark-submit line."""
    emr = emr_settings(settings)
    return {
        "Name": job.name(settings.env),
        "ActionOnFailure": action_on_failure or emr.action_on_failure,
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", *submit_parameters(emr), f"{emr.code}/{job.script}",
                     *job.argv(settings.env)],
        },
    }


def steps(settings: Settings, selections: list[str], mode: str) -> dict[str, object]:
    """The ``Steps`` of EMR's AddJobFlowSteps (or RunJobFlow): one spark-submit step per selection."""
    return {"Steps": [step(settings, run_job(selection, mode)) for selection in selections]}


def create_application(settings: Settings) -> dict[str, object]:
    """EMR Serverless CreateApplication: a Spark application on the conf's release."""
    emr = emr_settings(settings)
    return {"name": emr.serverless.application_name, "releaseLabel": emr.release_label, "type": "SPARK"}


def start_job_run(settings: Settings, application_id: str, selection: str, mode: str) -> dict[str, object]:
    """EMR Serverless StartJobRun for ``lakehouse run <selection>`` on the application ``application_id``."""
    emr = emr_settings(settings)
    job = run_job(selection, mode)
    return {
        "applicationId": application_id,
        "executionRoleArn": emr.serverless.execution_role_arn,
        "name": job.name(settings.env),
        "jobDriver": {"sparkSubmit": {
            "entryPoint": f"{emr.code}/{job.script}",
            "entryPointArguments": job.argv(settings.env),
            "sparkSubmitParameters": " ".join(submit_parameters(emr)),
        }},
        "configurationOverrides": {
            "monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": emr.serverless.logs}},
        },
    }
