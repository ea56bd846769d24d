"""The Maven coordinates ``spark-submit --packages`` needs, read from ``jvm/pom.xml``.

The pom is the one list of the JVM dependencies: ``make setup`` resolves it into ``.jars/``
for local runs, and a cluster gets the same coordinates (and exclusions) on its command line.
The pom travels in the package, so an installed wheel reads the same list. Dependencies of
the pom's profiles are local only and never read here: ``local-s3`` (hadoop-aws and the AWS SDK
modules) is what EMR provides itself (docs/s3.md).
"""
from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from lakehouse.lib.config import PACKAGE_ROOT, ConfigError

POM = PACKAGE_ROOT / "jvm" / "pom.xml"
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


@dataclass(frozen=True)
class SparkPackages:
    packages: list[str]
    excludes: list[str]

    def submit_args(self) -> list[str]:
        """``--packages a:b:v`` and, if the pom excludes anything, ``--exclude-packages g:a``."""
        args = ["--packages", ",".join(self.packages)]
        return args + (["--exclude-packages", ",".join(self.excludes)] if self.excludes else [])


def read(pom: Path = POM) -> SparkPackages:
    """Every ``<dependency>`` as ``group:artifact:version``, ``${properties}`` filled in."""
    try:
        root = ElementTree.parse(pom).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise ConfigError(f"{pom}: cannot read the JVM dependencies ({error})") from None
    properties = {child.tag.split("}")[1]: child.text or "" for child in root.findall("m:properties/*", NS)}

    def text(element: ElementTree.Element, tag: str) -> str:
        value = element.findtext(f"m:{tag}", "", NS).strip()
        return re.sub(r"\$\{([^}]+)\}", lambda name: properties.get(name.group(1), name.group(0)), value)

    dependencies = root.findall("m:dependencies/m:dependency", NS)
    packages = [f"{text(d, 'groupId')}:{text(d, 'artifactId')}:{text(d, 'version')}" for d in dependencies]
    # spark-submit takes exact group:artifact exclusions for all packages at once: wildcards, which
    # only trim the local classpath, and repeats are left out.
    exclusions = [f"{text(e, 'groupId')}:{text(e, 'artifactId')}"
                  for d in dependencies for e in d.findall("m:exclusions/m:exclusion", NS)]
    excludes = list(dict.fromkeys(name for name in exclusions if "*" not in name))
    unresolved = [name for name in packages + excludes if "${" in name]
    if unresolved:
        raise ConfigError(f"{pom}: no property for {unresolved[0]}")
    return SparkPackages(packages, excludes)


if __name__ == "__main__":
    sys.stdout.write(" ".join(read().submit_args()) + "\n")
