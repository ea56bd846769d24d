"""``spark-submit jobs/lakehouse_job.py run silver --env prod``: the ``lakehouse`` command as a Spark job.

On EMR the session's master and jars come from spark-submit (``conf/prod.yaml`` leaves
both unset); the verbs, options and exit codes are those of the ``lakehouse`` command.
"""
from lakehouse.lib.cli import main

if __name__ == "__main__":
    main()
