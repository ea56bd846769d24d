"""Each notebook in notebooks/ runs with nbclient, in a kernel of this virtualenv, over the test run's lakehouse,
and shows the figures the tables hold and a plot; the committed notebooks hold no outputs.

The figures a notebook prints are checked against Spark's own sums over the same Delta
tables, read here by path: another engine than the notebooks' delta-rs, and none of the
notebooks' code. The executed notebooks stay in memory; nothing is written to the repository.
"""
from __future__ import annotations

import asyncio
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.churn.scoring import Scored
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.gold_frames import ENV_VARIABLE, gold_frame
from lakehouse.lib.runlog import TableRun

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("sales", "funnel", "search", "server_health", "churn_scores")
KERNEL = "python3"
NUMBER = r"([\d,]+(?:\.\d+)?)"


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def printed(executed: NotebookNode) -> str:
    """Everything the notebook's cells printed or showed as text."""
    texts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") if output.output_type == "stream"
                         else output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def headline(executed: NotebookNode, pattern: str) -> tuple[Decimal, ...]:
    found = re.search(pattern, printed(executed))
    assert found, f"no line matching {pattern!r} in:\n{printed(executed)}"
    return tuple(number(group) for group in found.groups())


def gold(spark: SparkSession, settings: Settings, name: str) -> DataFrame:
    return spark.read.format("delta").load(settings.table_path(name))


async def executed_together(notebooks: dict[str, NotebookNode], folder: Path) -> dict[str, NotebookNode]:
    """The notebooks run at once, each in a kernel of its own, working in ``folder``: a kernel spends most of its
    time starting and importing, one core each."""
    clients = [NotebookClient(notebook, kernel_name=KERNEL, timeout=180, resources={"metadata": {"path": str(folder)}})
               for notebook in notebooks.values()]
    return dict(zip(notebooks, await asyncio.gather(*(client.async_execute() for client in clients))))


@pytest.fixture(scope="module")
def executed(lake_root: Path, settings: Settings, gold_built: dict[str, TableRun], churn_scores: Scored,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, NotebookNode]:
    """The five notebooks run against the test run's conf (``LAKEHOUSE_CONF``), in memory."""
    conf = lake_root / "conf"
    assert (conf / f"{settings.env}.yaml").is_file(), "tests/conftest.py writes the run's conf there"
    command = KernelManager(kernel_name=KERNEL).format_kernel_cmd()
    assert command[0] == sys.executable, f"kernel {KERNEL} runs {command[0]}, not this virtualenv's Python"
    notebooks = {name: nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4) for name in NAMES}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKEHOUSE_CONF", str(conf))
        patch.setenv(ENV_VARIABLE, settings.env)
        for variable in ("LAKEHOUSE_ROOT", "LAKEHOUSE_LANDING", "MPLBACKEND"):  # MPLBACKEND: the kernel's inline plots
            patch.delenv(variable, raising=False)
        started = time.monotonic()
        ran = asyncio.run(executed_together(notebooks, tmp_path_factory.mktemp("notebooks")))
    print(f"the {len(ran)} notebooks ran in {time.monotonic() - started:.1f} s")
    return ran


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_runs_without_error_and_draws_a_plot(executed: dict[str, NotebookNode], name: str) -> None:
    outputs = [output for cell in executed[name].cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    assert all(cell.execution_count for cell in executed[name].cells if cell.cell_type == "code")
    assert any("image/png" in output.get("data", {}) for output in outputs), f"{name} shows no plot"


def test_sales_shows_the_tables_revenue_and_units(spark: SparkSession, settings: Settings,
                                                  executed: dict[str, NotebookNode]) -> None:
    revenue, units = headline(executed["sales"], rf"Revenue: {NUMBER} USD from {NUMBER} units")
    expected = gold(spark, settings, "gold.daily_sales").agg(F.sum("revenue_usd"), F.sum("units")).first()
    assert units == expected[1] > 0
    assert revenue == expected[0] > 0


def test_funnel_shows_the_tables_sessions_purchases_and_conversion(spark: SparkSession, settings: Settings,
                                                                   executed: dict[str, NotebookNode]) -> None:
    sessions, purchases, conversion = headline(
        executed["funnel"], rf"Sessions: {NUMBER}, purchase sessions: {NUMBER}, conversion: {NUMBER}%")
    expected = gold(spark, settings, "gold.funnel_daily").agg(F.sum("sessions"), F.sum("purchase_sessions")).first()
    assert (sessions, purchases) == (expected[0], expected[1])
    assert sessions > purchases > 0
    assert abs(conversion - Decimal(100 * expected[1]) / expected[0]) <= Decimal("0.005")  # printed to 0.01%


def test_search_shows_the_tables_searches_zero_results_and_clicks(spark: SparkSession, settings: Settings,
                                                                  executed: dict[str, NotebookNode]) -> None:
    searches, empty, _, clicks = headline(
        executed["search"], rf"Searches: {NUMBER}, zero-result searches: {NUMBER} \({NUMBER}%\), clicks: {NUMBER}")
    expected = gold(spark, settings, "gold.search_terms_daily").agg(
        F.sum("searches"), F.sum("zero_result_searches"), F.sum("clicks")).first()
    assert (searches, empty, clicks) == tuple(expected)
    assert searches > empty > 0 and clicks > 0


def test_server_health_shows_the_tables_requests_errors_and_slowest_minute(
        spark: SparkSession, settings: Settings, executed: dict[str, NotebookNode]) -> None:
    requests, errors, _, minutes = headline(
        executed["server_health"], rf"Requests: {NUMBER}, 5xx errors: {NUMBER} \({NUMBER}%\) over {NUMBER} minutes")
    (slowest,) = headline(executed["server_health"], rf"Slowest minute: .+, p95 {NUMBER} ms")
    health = gold(spark, settings, "gold.server_health_minute")
    expected = health.agg(F.sum("requests"), F.sum("errors_5xx"), F.count("minute"),
                          F.max("p95_response_ms")).first()
    assert (requests, errors, minutes) == tuple(expected[:3])
    assert requests > errors > 0
    assert abs(slowest - Decimal(expected[3])) <= Decimal("0.05")  # printed to 0.1 ms


def test_churn_scores_shows_the_champions_customers_and_mean_probability(
        spark: SparkSession, settings: Settings, churn_scores: Scored, executed: dict[str, NotebookNode]) -> None:
    version, customers, mean, likely = headline(
        executed["churn_scores"], rf"version {NUMBER}: {NUMBER} customers scored, mean churn probability {NUMBER}, "
                                  rf"{NUMBER} at 0.5 or above")
    scores = gold(spark, settings, "gold.customer_scores").where(F.col("model_version") == churn_scores.model_version)
    expected = scores.agg(F.count("customer_key"), F.avg("churn_probability"),
                          F.count_if(F.col("churn_probability") >= 0.5)).first()
    customers_with_features = gold(spark, settings, "gold.customer_features").count()
    assert version == churn_scores.model_version
    assert customers == expected[0] == customers_with_features > 0
    assert abs(mean - Decimal(expected[1])) <= Decimal("0.00005")  # printed to 4 places
    assert likely == expected[2]


@pytest.mark.parametrize("name", NAMES)
def test_a_committed_notebook_holds_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code), \
        f"{name}.ipynb holds outputs: clear them before committing (Kernel > Restart and clear outputs)"


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_reads_gold_through_the_projects_code_and_defines_none(name: str) -> None:
    """Logic a notebook copies drifts from the project's: reading is lakehouse.lib.gold_frames's, and a function
    worth defining belongs in a module."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "from lakehouse.lib.gold_frames import gold_frame, notebook_settings" in source
    assert not re.search(r"^\s*(def|class) |deltalake|pyspark|DeltaTable", source, re.MULTILINE)
    assert notebook.cells[0].cell_type == "markdown" and "gold." in notebook.cells[0].source


@pytest.mark.parametrize(("name", "told"), [
    ("gold.daily_sales", "gold.daily_sales is not built at {root}/gold/daily_sales: run `lakehouse run gold.daily_sales "
                         "--upstream` first"),
    ("gold.customer_scores", "gold.customer_scores is not built at {root}/gold/customer_scores: run `lakehouse score` "
                             "first"),
    ("silver.orders", "silver.orders: notebooks read gold tables only (gold.<table>)"),
])
def test_a_table_not_built_or_not_gold_says_what_to_do(settings: Settings, tmp_path: Path, name: str,
                                                       told: str) -> None:
    empty = settings.model_copy(update={"paths": settings.paths.model_copy(update={"lakehouse": str(tmp_path)})})
    with pytest.raises(ConfigError) as raised:
        gold_frame(empty, name)
    assert str(raised.value) == told.format(root=tmp_path)


def test_the_notebooks_are_the_five_tested_here() -> None:
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
