#!/usr/bin/env bash
# compare.sh: the same benchmarks run against two builds, OLD and NEW, interleaved, with the issue's thresholds.
#
# Each round runs every chosen benchmark once for each build, one after the other (OLD first in odd rounds,
# NEW first in even ones, so that neither always runs on a machine the other has just warmed or loaded); the
# benchmark scripts measure the given executable through STRIPER_BIN and print their figures as RESULT lines
# (BENCH_RESULTS=1). The table gives, per metric, the median over rounds for OLD and NEW, NEW/OLD, and the
# threshold with PASS or FAIL:
#   relay     bench/relay.sh: Striper/socat >= 1.0; Striper's rate NEW >= 0.97 x OLD; CPU-s per GiB NEW <= 1.05 x OLD
#   throttle  bench/throttle.sh: Striper / cap sum of its buckets >= 0.95, N = 8 and 16, both directions
#   hetero    bench/throttle.sh --hetero: the same >= 0.90
#   kcptun    bench/kcptun.sh: Striper MSP tunnel >= 2 x kcptun (default MTU)
#   memory    bench/memory.sh: every peak RSS under the memory-limit (the largest over rounds)
#   demo      `striper demo --size 1GiB -q`: user + system CPU seconds NEW <= 1.05 x OLD
# Thresholds on one figure (Striper/socat, cap sum, kcptun, memory) are judged on NEW; OLD's column shows where
# the old build stood.
#
# Usage: bench/compare.sh OLD_BIN NEW_BIN [--rounds 3] [--quick] [--only relay,throttle,hetero,kcptun,memory,demo]
#   --rounds  rounds of OLD + NEW (default 3; each benchmark runs with --runs 1, its own default duration)
#   --quick   1 round, each benchmark's --quick (1 run of 5 s), kcptun with 64 MiB, demo with 256MiB
# Needs root. Progress goes to standard error, the table to standard output; exits 1 if any threshold fails or
# a figure is missing. BENCH_KEEP=1 keeps the work folder (every benchmark's full output).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { usage_from_header 18 22; }

ALL="relay throttle hetero kcptun memory demo"
ONLY=$ALL
ROUNDS=3
QUICK=
BINS=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY=${2:?--only needs a list}; ONLY=${ONLY//,/ }; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
    *) BINS+=("$1"); shift ;;
  esac
done
[ ${#BINS[@]} -eq 2 ] || usage
declare -A BIN=([old]=${BINS[0]} [new]=${BINS[1]})
for b in old new; do [ -x "${BIN[$b]}" ] || die "${BIN[$b]} is not an executable"; done
for bench in $ONLY; do [[ " $ALL " == *" $bench "* ]] || die "--only takes a comma-separated list of: ${ALL// /,}"; done
if [ -n "$QUICK" ] && [ "$ROUNDS" = 3 ]; then ROUNDS=1; fi
check_count --rounds "$ROUNDS" 100
[ "$(id -u)" -eq 0 ] || die "needs root (the benchmarks create network namespaces)"
[ -x /usr/bin/time ] || die "missing /usr/bin/time (Debian package time)"

# A lab of our own, so that a benchmark someone else runs with the default prefix never meets ours.
export LAB_PREFIX=${LAB_PREFIX:-cmp}
export BENCH_RESULTS=1

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/striper-compare.XXXXXX")
finish() {
  local status=$? pid
  trap - EXIT INT TERM
  # The running benchmark gets TERM and removes its own lab and processes; netlab down is a safety net.
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$NETLAB" down >/dev/null 2>&1 || true
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK_DIR"; else log "kept $WORK_DIR"; fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background with stdout to FILE and waits, so that the exit trap can stop it.
run_child() {
  local out=$1
  shift
  "$@" >"$out" &
  BG_PIDS+=("$!")
  local status=0
  wait "$!" || status=$?
  BG_PIDS=("${BG_PIDS[@]:0:${#BG_PIDS[@]}-1}")
  return "$status"
}

if [ -n "$QUICK" ]; then
  BENCH_FLAGS=(--quick) KCPTUN_FLAGS=(--size 64 --runs 1) DEMO_SIZE=256MiB
else
  BENCH_FLAGS=(--runs 1) KCPTUN_FLAGS=(--size 256 --runs 1) DEMO_SIZE=1GiB
fi

# One benchmark for one build; its RESULT lines go into the series "BUILD.KEY".
run_bench() {
  local bench=$1 build=$2 round=$3 out=$WORK_DIR/$1.$2.$3.out status=0 cmd
  case $bench in
    relay) cmd=("$BENCH_DIR/relay.sh" "${BENCH_FLAGS[@]}") ;;
    throttle) cmd=("$BENCH_DIR/throttle.sh" "${BENCH_FLAGS[@]}") ;;
    hetero) cmd=("$BENCH_DIR/throttle.sh" --hetero "${BENCH_FLAGS[@]}") ;;
    memory) cmd=("$BENCH_DIR/memory.sh" "${BENCH_FLAGS[@]}") ;;
    kcptun) cmd=("$BENCH_DIR/kcptun.sh" "${KCPTUN_FLAGS[@]}") ;;
    demo) cmd=(/usr/bin/time -f '%U %S %e' -o "$out.time" "${BIN[$build]}" demo --size "$DEMO_SIZE" -q) ;;
  esac
  log "round $round: $bench, $build build (${BIN[$build]})"
  export STRIPER_BIN=${BIN[$build]}
  run_child "$out" "${cmd[@]}" || status=$?
  # The demo checks SHA-256 both ways and exits 0 only if every byte matched: a failed demo's time is no figure.
  # /usr/bin/time's last line is "user system elapsed".
  if [ "$bench" = demo ] && [ "$status" -eq 0 ]; then
    tail -n 1 "$out.time" | awk '{ printf "RESULT demo.cpu_s=%.2f\nRESULT demo.wall_s=%.2f\n", $1 + $2, $3 }' >>"$out"
  fi
  [ "$status" -eq 0 ] || log "$bench with the $build build exited $status; its figures may be missing (output: $out)"
  local key value
  while IFS='=' read -r key value; do
    record "$build.$key" "$value"
  done < <(sed -n 's/^RESULT //p' "$out")
}

START=$(date +%s)
log "compare: OLD=${BIN[old]} NEW=${BIN[new]}; $ROUNDS round(s) of: $ONLY${QUICK:+ (quick)}"
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then order="old new"; else order="new old"; fi
  for bench in $ONLY; do
    for build in $order; do run_bench "$bench" "$build" "$round"; done
  done
done

FAILS=0
# One row: LABEL, KEY (the series old.KEY and new.KEY), CHECK and HOW (median, or max for peaks). CHECK is
# "new>=X", "new<X" (judged on NEW's figure), "ratio>=X", "ratio<=X" (judged on NEW/OLD) or "-" (no threshold).
row() {
  local label=$1 key=$2 check=$3 how=${4:-median} o n
  if [ "$how" = max ]; then
    o=$(series_max "old.$key")
    n=$(series_max "new.$key")
  else
    o=$(series_median "old.$key")
    n=$(series_median "new.$key")
  fi
  local verdict
  verdict=$(awk -v o="$o" -v n="$n" -v c="$check" 'BEGIN {
    if (c == "-") { print "-"; exit }
    if (n == "" || (c ~ /^ratio/ && (o == "" || o == 0))) { print "MISSING"; exit }
    match(c, /[<>]=?/); op = substr(c, RSTART, RLENGTH); x = substr(c, RSTART + RLENGTH) + 0
    v = (c ~ /^ratio/) ? n / o : n
    ok = (op == ">=") ? v >= x : (op == "<=") ? v <= x : (op == "<") ? v < x : v > x
    print ok ? "PASS" : "FAIL" }')
  [ "$verdict" = PASS ] || [ "$verdict" = - ] || FAILS=$((FAILS + 1))
  local shown=$check
  [ "$check" = - ] && shown=
  awk -v l="$label" -v o="$o" -v n="$n" -v c="$shown" -v v="$verdict" 'BEGIN {
    fo = (o == "") ? "-" : sprintf("%.3g", o); fn = (n == "") ? "-" : sprintf("%.3g", n)
    r = (o == "" || n == "" || o == 0) ? "-" : sprintf("%.3f", n / o)
    printf "  %-46s %10s %10s %8s  %-13s %s\n", l, fo, fn, r, c, (v == "-") ? "" : v }'
}

print_table() {
  local minutes=$((($(date +%s) - START + 30) / 60)) dir n limit
  echo
  echo "Striper OLD vs NEW, $(date -u '+%Y-%m-%d %H:%M UTC'), $ROUNDS round(s)${QUICK:+ of --quick runs}, $minutes min"
  echo "OLD=${BIN[old]}"
  echo "NEW=${BIN[new]}"
  echo "each figure: median over rounds of each benchmark's own median (peaks: the largest); NEW/OLD of those"
  echo
  printf '  %-46s %10s %10s %8s  %-13s %s\n' metric OLD NEW NEW/OLD threshold result
  for bench in $ONLY; do
    case $bench in
      relay)
        for dir in upload download; do
          row "relay $dir: Striper Gbit/s" "relay.$dir.striper_gbit" "ratio>=0.97"
          row "relay $dir: socat Gbit/s" "relay.$dir.socat_gbit" -
          row "relay $dir: Striper/socat, per run" "relay.$dir.ratio" "new>=1.0"
          row "relay $dir: Striper pair CPU-s per GiB" "relay.$dir.striper_cpu_per_gib" "ratio<=1.05"
          row "relay $dir: Striper/socat CPU per byte" "relay.$dir.cpu_ratio" -
          row "relay $dir: client proxy peak RSS MiB" "relay.$dir.client_rss_mib" - max
        done ;;
      throttle | hetero)
        local mode=uniform min=0.95
        [ "$bench" = hetero ] && mode=hetero min=0.90
        for dir in upload download; do
          for n in 8 16; do
            row "$mode $dir N=$n: Striper Mbit/s" "$mode.$dir.N$n.striper_mbit" -
            row "$mode $dir N=$n: Striper/cap sum" "$mode.$dir.N$n.ratio_capsum" "new>=$min"
            row "$mode $dir N=$n: Striper/iperf3 -P N" "$mode.$dir.N$n.ratio_ideal" -
          done
        done ;;
      kcptun)
        row "kcptun: kcptun MiB/s (mtu 1350)" kcptun.kcptun_mibs -
        row "kcptun: Striper MSP MiB/s (mtu 1400)" kcptun.striper_mibs -
        row "kcptun: Striper/kcptun" kcptun.ratio "new>=2"
        row "kcptun: Striper/kcptun, 16 KiB mtu" kcptun.ratio_jumbo - ;;
      memory)
        limit=$(series_max new.memory.limit_mib)
        for dir in upload download; do
          row "memory $dir: limited rate Mbit/s" "memory.$dir.limited_mbit" -
          row "memory $dir: unlimited rate Mbit/s" "memory.$dir.unlimited_mbit" -
          row "memory $dir: limited client peak RSS MiB" "memory.$dir.limited_client_rss_mib" "new<${limit%.*}" max
          row "memory $dir: limited server peak RSS MiB" "memory.$dir.limited_server_rss_mib" "new<${limit%.*}" max
        done ;;
      demo)
        row "demo $DEMO_SIZE: CPU seconds (user+sys)" demo.cpu_s "ratio<=1.05"
        row "demo $DEMO_SIZE: wall seconds" demo.wall_s - ;;
    esac
  done
  echo
  echo "thresholds failed or figures missing: $FAILS"
}

TABLE=$(print_table | sed 's/[[:space:]]*$//')
echo "$TABLE"
! grep -qE ' (FAIL|MISSING)$' <<<"$TABLE"
