#!/usr/bin/env bash
# fuzz.sh: the long fuzzing run. The same tests CI runs (tests/Striper.Tests/Fuzz), with a bigger budget:
# every property test and every mutational fuzzer runs ITERATIONS cases instead of its CI budget (hundreds to
# a few thousand), from SEED. A failure names its seed and case and saves the failing input under $TMPDIR;
# the same seed and at least as many iterations reproduce it. See docs/FUZZING.md.
#
# Usage: bench/fuzz.sh [--iterations 1000000] [--seed N] [--filter Substring]
#   --iterations  cases per test (default 1000000: roughly 10-20 minutes on two cores)
#   --seed        a different seed explores different inputs (default: the date, so each day's run is new)
#   --filter      only tests whose full name contains this (e.g. MutationalFuzz, HoconProperties)
#                 instead of tests/Striper.Tests/Fuzz and the end-to-end hostile-traffic test
# Needs only dotnet; no root, no network.
set -euo pipefail

ITERATIONS=1000000
SEED=$(date -u +%Y%m%d)
FILTER=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --filter) FILTER="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The fuzz folder, plus the end-to-end test that sends mutated traffic to a live server (up to 400 sessions).
filter="FullyQualifiedName~Striper.Tests.Fuzz|FullyQualifiedName~Hostile_substreams"
if [[ -n "$FILTER" ]]; then
  filter="FullyQualifiedName~$FILTER"
fi

echo "fuzz.sh: $ITERATIONS cases per test, seed $SEED" >&2
dotnet build "$root/Striper.sln" -c Release >&2
STRIPER_FUZZ_ITERATIONS="$ITERATIONS" STRIPER_FUZZ_SEED="$SEED" \
  dotnet test "$root/Striper.sln" -c Release --no-build --filter "$filter" --logger "console;verbosity=normal"
