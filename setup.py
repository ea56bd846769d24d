"""Packaging for the retail lakehouse.

The layer folders (lib/, bronze/, silver/, gold/, jobs/) sit at the top of the
repository, where people look for them, and install as sub-packages of one
import name, ``lakehouse`` (``lakehouse.lib``, ``lakehouse.silver``, ...), so
nothing called ``lib`` or ``jobs`` ever lands at the top of site-packages.
"""
from setuptools import setup

LAYERS = ["lib", "bronze", "silver", "gold", "jobs"]

setup(
    name="retail-lakehouse",
    version="0.1.0",
    description="One PySpark codebase from a shop's scattered data to trusted Delta tables",
    python_requires=">=3.11,<3.12",
    package_dir={"lakehouse": ".", **{f"lakehouse.{layer}": layer for layer in LAYERS}},
    packages=["lakehouse", *[f"lakehouse.{layer}" for layer in LAYERS]],
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
        "great_expectations[spark]>=1.20,<1.25",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-spark>=0.8", "chispa>=0.10", "deltalake>=0.25", "diagrams==0.25.1"],
    },
    entry_points={"console_scripts": ["lakehouse=lakehouse.lib.cli:main"]},
)
