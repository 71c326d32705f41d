# The two quick-start commands are `make demo` and `make test`; each sets itself up first.
.PHONY: setup setup-test demo test check lint format bench lock clean

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test

demo: setup
	.venv/bin/opinion demo

test: setup-test check
	.venv/bin/python -m pytest -p no:cacheprovider

check:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: setup-test
	.venv/bin/python -m bench

# Move the pinned Python packages (scripts/constraints.txt) to today's releases; then run
# `make test` on them before committing the new lock.
lock:
	bash scripts/lock.sh

clean:
	rm -rf .data build dist *.egg-info
