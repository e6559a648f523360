#!/usr/bin/env bash
# Runs every check and test: lint, types, composition, contract, unit, subgraph and
# end-to-end tests. Installs what is missing first, and starts every server it needs.
#
#   scripts/test.sh [pytest args...]    e.g. scripts/test.sh -k orders -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

scripts/setup.sh --test

step() { printf '\n== %s\n' "$*" >&2; }

step "lint (ruff) and types (mypy)"
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy

step "exported subgraph SDL and the composed supergraph are up to date"
scripts/schema.sh --check

step "the supergraph holds the public contract"
node supergraph/check-contract.mjs

step "composition and gateway tests (node)"
npm test --prefix supergraph --silent

step "python tests: core, subgraphs against MariaDB, SQLite and FerretDB, end to end"
uv run --frozen pytest "$@"
