"""The CSV exports of business systems: the CRM, the catalog and the daily exchange rates."""
from __future__ import annotations

from lakehouse.lib.generator.catalog import PRODUCT_COLUMNS, Catalog
from lakehouse.lib.generator.files import LandingFile
from lakehouse.lib.generator.fx_rates import FX_COLUMNS, rate_rows
from lakehouse.lib.generator.orders import PRIOR_DAYS
from lakehouse.lib.generator.people import CUSTOMER_COLUMNS, Crm, daily_changes, snapshot_rows
from lakehouse.lib.generator.run import Run


def customer_files(run: Run, crm: Crm) -> list[LandingFile]:
    """A full snapshot on the first day, then each day only the customers who changed or signed up."""
    changes = daily_changes(run, crm)
    files = [LandingFile("customers", 0, "csv", snapshot_rows(run, crm, changes), header=CUSTOMER_COLUMNS)]
    for day in range(1, run.days):
        rows = [customer.row() for customer in changes[day]]
        files.append(LandingFile("customers", day, "csv", rows, header=CUSTOMER_COLUMNS))
    return files


def product_files(catalog: Catalog) -> list[LandingFile]:
    """The catalog on the first day, and one later export with the products that changed."""
    return [LandingFile("products", 0, "csv", [p.row() for p in catalog.products], header=PRODUCT_COLUMNS),
            LandingFile("products", catalog.revision_day, "csv", [p.row() for p in catalog.revisions],
                        header=PRODUCT_COLUMNS)]


def fx_files(run: Run) -> list[LandingFile]:
    """One file per date, from the oldest order the database snapshot still holds to the window's end."""
    return [LandingFile("fx_rates", day, "csv", rate_rows(run.seed, run.date(day), with_usd=day == -PRIOR_DAYS),
                        header=FX_COLUMNS)
            for day in range(-PRIOR_DAYS, run.days)]
