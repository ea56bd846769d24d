"""Where the conf comes from: ``LAKEHOUSE_CONF`` first, else the package's own, a folder or inside a zip."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lakehouse.lib import config

LOCAL = ("paths:\n  landing: data/landing\n  lakehouse: s3a://lake/root\n"
         "  report: report\n  logs: /var/log/lake\n")


def test_lakehouse_conf_wins_over_the_packaged_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "prod.yaml").write_text(LOCAL)
    monkeypatch.setenv("LAKEHOUSE_CONF", str(tmp_path / "conf"))
    settings = config.load("prod")
    assert settings.paths.lakehouse == "s3a://lake/root"
    assert settings.paths.landing == str(tmp_path / "data" / "landing")


def test_without_lakehouse_conf_the_packaged_prod_conf_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_CONF", raising=False)
    assert config.load("prod").paths.landing == "s3a://retail-lakehouse-prod-landing/landing"


def test_a_missing_lakehouse_conf_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_CONF", str(tmp_path / "gone"))
    with pytest.raises(config.ConfigError) as raised:
        config.load("prod")
    assert str(raised.value) == (
        f"LAKEHOUSE_CONF: {tmp_path / 'gone'} is not a folder (it should hold <env>.yaml files)")


def test_a_conf_inside_a_zip_reads_and_resolves_against_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("lakehouse/conf/local.yaml", LOCAL)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    settings = config.load("local", zipfile.Path(archive, "lakehouse/conf/"))
    assert settings.paths.landing == str(work / "data" / "landing")
    assert settings.paths.report == str(work / "report")
    missing = r"no configuration 'prod': .*code.zip/lakehouse/conf/prod.yaml does not exist \(known: local\)"
    with pytest.raises(config.ConfigError, match=missing):
        config.load("prod", zipfile.Path(archive, "lakehouse/conf/"))
