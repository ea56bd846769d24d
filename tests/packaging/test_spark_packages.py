"""``--packages`` and ``--exclude-packages`` come from the pom, properties filled in."""
from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.lib.config import ConfigError
from lakehouse.lib.spark_packages import SparkPackages, read
from tests.packaging.conftest import EXCLUDED, JARS

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <properties><scala.binary>2.13</scala.binary><kafka.version>4.0.2</kafka.version></properties>
  <dependencies>
    <dependency>
      <groupId>org.apache.spark</groupId><artifactId>spark-sql-kafka-0-10_${scala.binary}</artifactId>
      <version>${kafka.version}</version>
      <exclusions>
        <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><version>42.7.4</version>
    </dependency>
  </dependencies>
</project>"""


def test_every_dependency_becomes_a_coordinate_with_its_properties(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(POM)
    assert read(tmp_path / "pom.xml").submit_args() == [
        "--packages", "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.2,org.postgresql:postgresql:42.7.4",
        "--exclude-packages", "org.slf4j:slf4j-api",
    ]


def test_the_project_pom_asks_for_delta_4_0_1_kafka_for_spark_4_0_2_and_msk_iam() -> None:
    assert read() == SparkPackages(JARS, EXCLUDED)


def test_an_unknown_property_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(POM.replace("${kafka.version}", "${spark.version}"))
    with pytest.raises(ConfigError, match=r"pom.xml: no property for .*kafka-0-10_2.13:\$\{spark.version\}"):
        read(tmp_path / "pom.xml")


def test_s3a_is_resolved_for_local_runs_but_never_asked_of_a_cluster() -> None:
    """EMR brings its own S3 connectors and AWS SDK: hadoop-aws sits in the pom's local profile only."""
    pom = (Path(__file__).resolve().parents[2] / "jvm" / "pom.xml").read_text()
    assert "<artifactId>hadoop-aws</artifactId>" in pom
    assert not [name for name in read().packages + read().excludes
                if name.startswith(("org.apache.hadoop:", "software.amazon.awssdk:"))]
    jars = sorted(path.name for path in (Path(__file__).resolve().parents[2] / ".jars").glob("*.jar"))
    assert "hadoop-aws-3.4.1.jar" in jars and "s3-2.24.6.jar" in jars
    assert not [name for name in jars if name.startswith("bundle-")], "the AWS SDK bundle (558 MB) is excluded"
