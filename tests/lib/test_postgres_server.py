"""The local PostgreSQL server: one per folder, found again by a second command, stopped once."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from lakehouse.lib import postgres_server
from lakehouse.lib.config import ConfigError


def test_a_second_start_in_the_same_folder_says_one_runs_and_stop_stops_it_once() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lakehouse-postgres-"))  # the postgres user cannot enter pytest's
    try:
        server = postgres_server.start(folder)
        assert postgres_server.find(folder) == server
        with pytest.raises(ConfigError, match=f"already runs from {folder} on port {server.port}"):
            postgres_server.start(folder)
        postgres_server.create_database(server, "shop")
        postgres_server.create_database(server, "shop")  # again: nothing to do
        assert postgres_server.stop(folder) == server
        assert postgres_server.find(folder) is None and postgres_server.stop(folder) is None
    finally:
        postgres_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
