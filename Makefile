# The two commands: `make serve` and `make test`. Both install what is missing first.
VENV      := .venv
PYTHON    ?= python3
RC        := $(VENV)/bin/roadchief
STAMP     := $(VENV)/.installed-stamp

.PHONY: serve test setup system-packages system-packages-test lint bench clean-db fuzz

serve: system-packages $(STAMP)
	$(RC) db migrate
	$(RC) demo load --if-empty
	$(RC) user demo
	$(RC) serve

test: system-packages-test $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

setup: system-packages $(STAMP)

system-packages:
	@scripts/install-system-packages.sh

system-packages-test:
	@scripts/install-system-packages.sh --test

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The whole benchmark on a throwaway cluster, one table (bench/all.py): a few minutes at the
# default small scale; `make bench SCALE=62` for the city scale the targets are set for.
SCALE ?= 3
bench: system-packages-test $(STAMP)
	$(VENV)/bin/python bench/all.py --scale $(SCALE)

clean-db:
	-$(RC) db stop
	rm -rf var/pgdata var/pgdata.password var/pgdata.owner.password var/pgdata.app.password var/pgdata.log

# Schemathesis over every operation with many examples (make test runs a few per operation).
fuzz: system-packages-test $(STAMP)
	ROADCHIEF_FUZZ_EXAMPLES=$${ROADCHIEF_FUZZ_EXAMPLES:-150} ROADCHIEF_FUZZ_SLOW_EXAMPLES=$${ROADCHIEF_FUZZ_SLOW_EXAMPLES:-8} \
		$(VENV)/bin/pytest -q -s tests/gis_service/test_fuzz.py
