"""Packaging for the retail lakehouse.

The layer folders (lib/, bronze/, silver/, gold/, jobs/) sit at the top of the
repository, where people look for them, and install as sub-packages of one
import name, ``lakehouse`` (``lakehouse.lib``, ``lakehouse.silver``, ...), so
nothing called ``lib`` or ``jobs`` ever lands at the top of site-packages.
Sub-packages are found, not listed: a new ``lib/sources/`` ships without a change
here. The default conf and the JVM dependency list travel as package data, so an
installed wheel, or the same wheel as a ``--py-files`` zip, reads its own ``conf/``.
"""
from setuptools import find_packages, setup

LAYERS = ["lib", "bronze", "silver", "gold", "jobs"]
FOUND = find_packages(include=[pattern for layer in LAYERS for pattern in (layer, f"{layer}.*")])

setup(
    name="retail-lakehouse",
    version="0.1.0",
    description="One PySpark codebase from a shop's scattered data to trusted Delta tables",
    python_requires=">=3.11,<3.12",
    package_dir={"lakehouse": "."},
    packages=["lakehouse", *[f"lakehouse.{package}" for package in FOUND]],
    package_data={"lakehouse": ["py.typed", "conf/*.yaml", "conf/log4j2.properties", "jvm/pom.xml"]},
    install_requires=[
        "pyspark==4.0.2",
        "delta-spark==4.0.1",
        "pydantic>=2.7,<3",
        "pyyaml>=6",
        "typer>=0.12",
        "rich>=13",
        "pandas>=2.2,<3",
        "pyarrow>=15",
        "matplotlib>=3.8",
        "graphviz>=0.20",
        "confluent-kafka>=2.6,<3",
        "psycopg2-binary>=2.9",  # generate --to-postgres
        "prometheus-client>=0.20,<1",  # start_http_server returns its server (stopped when a stream ends)
        "great_expectations[spark]>=1.20,<1.25",
        "boto3>=1.34,<2",  # lakehouse catalog sync: the Glue Data Catalog
    ],
    extras_require={
        # The churn model (lakehouse train / score): TensorFlow's CPU build, MLflow, scikit-learn for the baseline.
        "ml": ["tensorflow-cpu==2.21.*", "mlflow>=3.5,<4", "scikit-learn>=1.5,<2"],
        # `lakehouse dashboard`: the Grafana dashboard as code, with Grafana's own typed builders.
        "ops": ["grafana-foundation-sdk>=1769699998!10.1,<1769699998!11"],
        # The notebooks (notebooks/, docs/notebooks.md): gold read with delta-rs, no JVM; JupyterLab to open them.
        "notebooks": ["deltalake>=0.25", "ipykernel>=6.29", "jupyterlab>=4.2,<5"],
        # uv: the packaging tests' fresh virtualenv; ipykernel, nbclient, nbformat: the notebook tests run each one.
        "test": ["pytest>=8", "pytest-spark>=0.8", "chispa>=0.10", "deltalake>=0.25", "diagrams==0.25.1",
                 "mypy>=1.10", "uv>=0.5",  # uv: the packaging tests' fresh virtualenv
                 "ipykernel>=6.29", "nbclient>=0.10", "nbformat>=5.10",  # tests/notebooks runs each notebook
                 "moto[server]>=5.1,<6",  # make s3-up, tests/cloud: S3, KMS and Glue on loopback
                 "trino>=0.330"],  # tests/cloud/test_s3.py asks Trino for every gold table
    },
    entry_points={"console_scripts": ["lakehouse=lakehouse.lib.cli:main"]},
)
