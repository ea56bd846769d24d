"""``spark-submit jobs/generate.py --env dev --events 200000``: ``lakehouse generate`` as a job.

Writes the seeded synthetic landing data set on the driver, so only for a local landing zone
(a shared disk, a test cluster); the options are those of ``lakehouse generate``.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv.insert(1, "generate")
    main()
