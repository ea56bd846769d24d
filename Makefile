# Retail lakehouse. `make demo` runs the whole pipeline locally; `make test` runs the tests.
# Both set everything up first: a Python 3.11 virtualenv and Spark's JVM jars, resolved once.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
JARS   := .jars
KAFKA  := .kafka
TRINO  := .trino
ENV    ?= local
DIST   ?= dist
KAFKA_PORT ?= 9092

.DEFAULT_GOAL := help

.PHONY: help airflow-dags catalog-docs catalog-sync dashboards setup generate run maintain forget quarantine train score mlflow-ui summary demo graph diagrams notebooks test test-dag-run clean package kafka-up kafka-down postgres-up postgres-down s3-up s3-down extract trino FORCE

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# A strict editable install links every module into build/__editable__*, a plain folder that type checkers
# and IDEs can follow (docs/packaging.md); a module added or removed reinstalls it, through this list.
MODULES := $(VENV)/.modules

$(MODULES): FORCE
	@mkdir -p $(VENV)
	@find py.typed lib bronze silver gold jobs conf jvm -name '*.py' -o -name '*.yaml' -o -name '*.properties' \
	    -o -name pom.xml -o -name py.typed | sort > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# uv installs what pip would, several times faster (downloads in parallel, a shared cache).
$(BIN)/lakehouse: setup.py $(MODULES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[test,ml,ops]" --config-setting editable_mode=strict
	@touch $@

$(JARS)/.resolved: jvm/pom.xml
	mvn --quiet --batch-mode -f jvm/pom.xml dependency:copy-dependencies \
	    -DoutputDirectory=../$(JARS) -DincludeScope=runtime
	@touch $@

# The local Kafka broker's own classpath (jvm/kafka/pom.xml), never Spark's; `setup` resolves it too.
$(KAFKA)/.resolved: jvm/kafka/pom.xml
	mvn --quiet --batch-mode -f jvm/kafka/pom.xml dependency:copy-dependencies \
	    -DoutputDirectory=../../$(KAFKA) -DincludeScope=runtime
	@touch $@

# Trino, Athena's engine, for the test that reads gold with it (tests/cloud/test_s3.py): its server tarball from
# Maven Central, unpacked with its Delta Lake plugin alone (the rest of its 800 MB is other connectors).
$(TRINO)/.resolved: jvm/trino/pom.xml
	mvn --quiet --batch-mode -f jvm/trino/pom.xml dependency:copy-dependencies \
	    -DoutputDirectory=../../$(TRINO) -DincludeTypes=tar.gz
	@# tar, not Maven's unpacker: the plugins share jars as hard links, which Maven unpacks empty
	tar xzf $(TRINO)/trino-server-*.tar.gz -C $(TRINO) && rm $(TRINO)/trino-server-*.tar.gz
	find $(TRINO)/trino-server-*/plugin -mindepth 1 -maxdepth 1 ! -name delta-lake -exec rm -rf {} +
	@touch $@

trino: $(TRINO)/.resolved ## Resolve the Trino server (Athena's engine) the cloud tests read gold with, into .trino/

setup: $(BIN)/lakehouse $(JARS)/.resolved $(KAFKA)/.resolved ## Create .venv, install the package, resolve the jars (once)

generate: setup ## Write the synthetic landing data set into data/landing
	$(BIN)/lakehouse generate --env $(ENV)

run: setup ## Process everything that has landed: bronze, silver, quarantine, gold
	$(BIN)/lakehouse run all --mode batch --env $(ENV)

maintain: setup ## Compact small files (gold Z-ordered), vacuum past each layer's retention, checkpoint the logs
	$(BIN)/lakehouse maintain --env $(ENV)

forget: setup ## Erase a customer from every table and keep them out: make forget CUSTOMER=C00042 [PURGE=--purge]
	@test -n "$(CUSTOMER)" || { echo "make forget needs CUSTOMER=C<digits>, the customer to erase"; exit 2; }
	$(BIN)/lakehouse forget --customer-id $(CUSTOMER) $(PURGE) --env $(ENV)

quarantine: setup ## Rows held in quarantine by table, rule and day (lakehouse quarantine show|replay for more)
	$(BIN)/lakehouse quarantine summary --env $(ENV)

train: setup ## Train the churn model on gold's feature snapshots, track it in MLflow, promote it when better
	$(BIN)/lakehouse train --env $(ENV)

score: setup ## Score every customer with the champion churn model into gold.customer_scores
	$(BIN)/lakehouse score --env $(ENV)

MLFLOW_PORT ?= 5000
mlflow-ui: setup ## The MLflow UI on http://127.0.0.1:5000 over the local tracking store (data/mlflow)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/data/mlflow/mlflow.db --host 127.0.0.1 --port $(MLFLOW_PORT)

summary: setup ## Rows per table, quarantine by rule, where the data is
	$(BIN)/lakehouse summary --env $(ENV)

# JupyterLab is the notebooks extra (setup.py), installed on first use: `make setup` and the tests need none of it.
# It refuses to start as root without --allow-root (a container's or a cloud machine's usual user).
notebooks: setup ## Open the notebooks over gold (notebooks/) in JupyterLab; make demo first builds what they read
	@test -x $(BIN)/jupyter-lab || $(BIN)/uv pip install --quiet --python $(BIN)/python \
	    -e ".[test,ml,ops,notebooks]" --config-setting editable_mode=strict
	LAKEHOUSE_ENV=$(ENV) $(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

demo: setup ## Generate data, run the pipeline, build the Data Docs, train and score the churn model, draw the graph, print the summary
	$(BIN)/lakehouse generate --env $(ENV)
	$(BIN)/lakehouse run all --mode batch --env $(ENV)
	$(BIN)/lakehouse dq docs --env $(ENV)
	$(BIN)/lakehouse train --env $(ENV)
	$(BIN)/lakehouse score --env $(ENV)
	$(BIN)/lakehouse graph --env $(ENV)
	$(BIN)/lakehouse summary --env $(ENV)

graph: setup ## Draw the declared table graph into data/report (TABLE=gold.daily_sales or LAYER=gold for a part)
	$(BIN)/lakehouse graph --env $(ENV) $(if $(TABLE),--table $(TABLE)) $(if $(LAYER),--layer $(LAYER))

diagrams: setup ## Redraw docs/architecture: the system pictures and the table graphs (needs Graphviz's dot)
	@command -v dot >/dev/null || { echo "error: Graphviz's dot is not installed (apt-get install graphviz)"; exit 2; }
	$(BIN)/python docs/architecture/system_diagram.py --out docs/architecture
	$(BIN)/lakehouse graph --out docs/architecture --formats svg,mmd
	for layer in bronze silver gold; do $(BIN)/lakehouse graph --layer $$layer --out docs/architecture --formats svg,mmd; done

dashboards: setup ## Regenerate docs/grafana (the Grafana dashboard, from lib/dashboard.py)
	$(BIN)/lakehouse dashboard --out docs/grafana

catalog-sync: setup ## Register the gold tables in the Glue Data Catalog for Athena (ENV=prod, or ENV=s3: make s3-up's)
	$(BIN)/lakehouse catalog sync --env $(ENV)

catalog-docs: setup ## Regenerate docs/athena (Athena DDL) and docs/tableau (.tds) for the gold tables from conf/prod.yaml
	$(BIN)/lakehouse catalog athena-ddl --env prod --out docs/athena
	$(BIN)/lakehouse catalog tableau --env prod --out docs/tableau

airflow-dags: setup ## Regenerate dags/lakehouse_steps.json (each Airflow task's EMR step) from conf/prod.yaml
	$(BIN)/lakehouse deploy airflow --env prod --out dags

kafka-up: setup ## Start a local Kafka broker on 127.0.0.1:9092 (KAFKA_PORT=...), data in data/kafka
	$(BIN)/lakehouse kafka up --port $(KAFKA_PORT)

kafka-down: ## Stop the local Kafka broker
	$(BIN)/lakehouse kafka down

POSTGRES_PORT ?= 5432
postgres-up: setup ## Start a local PostgreSQL on 127.0.0.1:5432 (POSTGRES_PORT=...), data in data/postgres
	$(BIN)/lakehouse postgres up --port $(POSTGRES_PORT)

postgres-down: ## Stop the local PostgreSQL
	$(BIN)/lakehouse postgres down

S3_PORT ?= 9000
s3-up: setup ## Start a local S3 server (moto) on 127.0.0.1:9000 (S3_PORT=...) with conf/s3.yaml's buckets, in memory
	$(BIN)/lakehouse s3 up --port $(S3_PORT)

s3-down: ## Stop the local S3 server (its buckets are gone with it)
	$(BIN)/lakehouse s3 down

extract: setup ## Append what changed in the transaction database (oltp.url, LAKEHOUSE_OLTP_URL) to bronze
	$(BIN)/lakehouse extract all --env $(ENV)

test: setup $(TRINO)/.resolved ## Run the test suite (all but the daily DAG's end-to-end run: make test-dag-run)
	$(BIN)/python -m pytest -m "not dag_run"

test-dag-run: setup ## airflow dags test lakehouse_daily end to end on local Spark, in a real Airflow 3 (about 9 minutes)
	$(BIN)/python -m pytest -m dag_run tests/airflow

package: setup ## Build dist/: the wheel, the same as a --py-files zip, the job scripts, conf, --packages args
	@# setuptools copies into build/lib and keeps what is there: a deleted module would still ship.
	rm -rf $(DIST) build/lib build/bdist.*
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir $(DIST) .
	@# pyspark puts only .zip, .egg and .jar files of --py-files on sys.path; a wheel is a zip of the package.
	for wheel in $(DIST)/*.whl; do cp $$wheel $${wheel%.whl}.zip; done
	mkdir -p $(DIST)/jobs $(DIST)/conf
	cp $$(find jobs -maxdepth 1 -name '*.py' ! -name '__init__.py') $(DIST)/jobs/
	cp conf/*.yaml conf/log4j2.properties $(DIST)/conf/
	$(BIN)/python -m lakehouse.lib.spark_packages > $(DIST)/spark-submit-packages.txt
	@cd $(DIST) && find . -type f | sort

.PHONY: bench bench-ratios bench-stream bench-files bench-scaling
bench: setup ## Benchmarks on a fixed data set into BENCHMARKS.md (BENCH_PAIRS=5; BENCH_DEMO=1 adds make demo)
	$(BIN)/python -m bench

bench-ratios: setup ## Only figures 1-7 (bronze, silver, gold refresh, churn, session start) into BENCHMARKS.md's top
	$(BIN)/python -m bench ratios

bench-stream: setup ## Only the streaming benchmarks (latency, rate held, Kafka vs files) into their BENCHMARKS.md section
	$(BIN)/python -m bench stream

bench-files: setup ## Only files per streaming micro-batch and a gold read before/after maintain (BENCH_MICRO_BATCHES=200)
	$(BIN)/python -m bench files

bench-scaling: setup ## Only the batch pipeline at 200k, 1M and 5M events: seconds per million, peak memory, a plot
	$(BIN)/python -m bench scaling

clean: ## Remove generated data (landing, tables, catalog); keeps .venv and jars
	rm -rf data spark-warehouse metastore_db derby.log
