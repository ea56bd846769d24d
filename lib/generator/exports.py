"""The CSV exports of business systems: the CRM, the catalog and the daily exchange rates.

Each system writes CSV its own way, all of it valid RFC 4180: the CRM as Excel
does (a byte-order mark, CRLF, no line end after the last row of its daily
change exports) and, after an upgrade on the middle day, with its columns in
another order; the catalog with LF, its first export two pages joined by
``cat`` (the second with its own header); the rate feed with LF: one backfill
file for the dates before the window, then, for the window's dates, a file a
day with no line end after the last row.
"""
from __future__ import annotations

from lakehouse.lib.generator.catalog import PRODUCT_COLUMNS, Catalog
from lakehouse.lib.generator.files import CsvLayout, LandingFile
from lakehouse.lib.generator.fx_rates import FX_COLUMNS, rate_rows
from lakehouse.lib.generator.orders import PRIOR_DAYS
from lakehouse.lib.generator.people import CUSTOMER_COLUMNS, Crm, daily_changes, snapshot_rows
from lakehouse.lib.generator.run import Run

CRM_SNAPSHOT = CsvLayout(line_end="\r\n", bom=True)
CRM_CHANGES = CsvLayout(line_end="\r\n", bom=True, final_newline=False)
CRM_UPGRADED = CsvLayout(line_end="\r\n", bom=True, final_newline=False, order=(
    "customer_id", "updated_at", "first_name", "last_name", "email", "phone", "birth_date", "city", "postal_code",
    "country", "marketing_opt_in", "signup_ts"))


def customer_files(run: Run, crm: Crm) -> list[LandingFile]:
    """A full snapshot on the first day, then each day only the customers who changed or signed up."""
    changes = daily_changes(run, crm)
    files = [LandingFile("customers", 0, "csv", snapshot_rows(run, crm, changes), header=CUSTOMER_COLUMNS,
                         layout=CRM_SNAPSHOT)]
    for day in range(1, run.days):
        rows = [customer.row() for customer in changes[day]]
        layout = CRM_UPGRADED if day >= run.days // 2 else CRM_CHANGES
        files.append(LandingFile("customers", day, "csv", rows, header=CUSTOMER_COLUMNS, layout=layout))
    return files


def product_files(catalog: Catalog) -> list[LandingFile]:
    """The catalog on the first day, and one later export with the products that changed."""
    rows = [p.row() for p in catalog.products]
    return [LandingFile("products", 0, "csv", rows, header=PRODUCT_COLUMNS,
                        layout=CsvLayout(joined_at=len(rows) // 2)),
            LandingFile("products", catalog.revision_day, "csv", [p.row() for p in catalog.revisions],
                        header=PRODUCT_COLUMNS, layout=CsvLayout(final_newline=False))]


def fx_files(run: Run) -> list[LandingFile]:
    """The dates before the window in one backfill file, from the oldest order the database snapshot holds;
    then one file per date of the window.

    The backfill script ends its file with a line end; the daily feed does not.
    """
    first = -max(PRIOR_DAYS, run.history_days)
    backfill = [row for day in range(first, 0) for row in rate_rows(run.seed, run.date(day), with_usd=day == first)]
    return [LandingFile("fx_rates", first, "csv", backfill, header=FX_COLUMNS)] + [
        LandingFile("fx_rates", day, "csv", rate_rows(run.seed, run.date(day), with_usd=False), header=FX_COLUMNS,
                    layout=CsvLayout(final_newline=False))
        for day in range(run.days)]
