"""The wheel holds every module of every layer, found rather than listed, and the default conf."""
from __future__ import annotations

import zipfile
from pathlib import Path

from tests.packaging.conftest import PACKAGES, REPO

LAYERS = ("lib", "bronze", "silver", "gold", "jobs")


def test_the_wheel_holds_every_module_of_the_repository_and_nothing_else(wheel: Path) -> None:
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    sources = [path for layer in LAYERS for path in (REPO / layer).rglob("*.py")
               if "__pycache__" not in path.parts]
    modules = {f"lakehouse/{path.relative_to(REPO)}" for path in sources}
    assert "lakehouse/lib/generator/run.py" in modules
    # Nothing of tests/, bench/ or setup.py, and no module deleted since an earlier build.
    assert {name for name in in_wheel if name.endswith(".py")} == modules | {"lakehouse/__init__.py"}
    assert "lakehouse/py.typed" in in_wheel


def test_the_wheel_carries_the_default_conf_and_the_jvm_dependency_list(wheel: Path) -> None:
    in_wheel = zipfile.ZipFile(wheel)
    for name in ("local.yaml", "dev.yaml", "prod.yaml", "log4j2.properties"):
        assert in_wheel.read(f"lakehouse/conf/{name}") == (REPO / "conf" / name).read_bytes()
    assert in_wheel.read("lakehouse/jvm/pom.xml") == (REPO / "jvm" / "pom.xml").read_bytes()


def test_dist_has_what_spark_submit_needs(dist: Path, wheel: Path) -> None:
    assert (dist / wheel.name.replace(".whl", ".zip")).read_bytes() == wheel.read_bytes()
    assert sorted(path.name for path in (dist / "jobs").iterdir()) == [
        "dq.py", "generate.py", "maintain.py", "run.py", "score.py", "train.py"]
    assert (dist / "conf" / "prod.yaml").read_bytes() == (REPO / "conf" / "prod.yaml").read_bytes()
    assert (dist / "spark-submit-packages.txt").read_text().split() == PACKAGES
