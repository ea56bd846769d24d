"""``spark-submit jobs/run.py [all|bronze|silver|gold|<layer>.<table>] --mode batch --env prod``.

``lakehouse run`` as a Spark job, for spark-submit, EMR steps and Airflow: the same arguments, the
same one-line errors and exit codes (2 for a bad setting, 1 for any other failure). Under
spark-submit the master and the jars come from its command line, whatever the conf's ``spark.master``
and ``spark.jars_dir`` say, and the code from ``--py-files`` or the installed wheel; docs/packaging.md
has the command, for EMR and for a standalone cluster.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv.insert(1, "run")
    main()
