"""``spark-submit jobs/maintain.py [all|<layer>|<layer>.<table>] --env prod``.

``lakehouse maintain`` as a Spark job (docs/maintenance.md), with the same arguments, one-line errors
and exit codes as the command; docs/packaging.md has the spark-submit command line.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv.insert(1, "maintain")
    main()
