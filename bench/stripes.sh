#!/usr/bin/env bash
# stripes.sh: does --stripes auto find as good a count as the best fixed one?
#
# Three labs, one after the other (netlab.sh):
#   uniform  every flow capped at RATE, all flows together at PATH (the default 20mbit and 200mbit: about 10 flows
#            fill the path, so about 10 substreams are needed)
#   hetero   the same, with a quarter of the buckets at RATE/10
#   open     no shaping at all: the machine is the limit, and a few substreams are all it takes
# In each, one iperf3 connection (upload, or with --download also iperf3 -R) goes through a fresh proxy pair with
# every fixed --stripes N in COUNTS and with --stripes auto, runs interleaved --runs times. The table shows each
# median rate, auto's median rate, the count auto ended on (from its client proxy's log: the last "now N
# substreams"; 4, where it started, if it never changed), and auto / the best fixed count's median: the goal is at
# least 0.95 in every lab. A whole run counts, so auto's first seconds at fewer substreams count against it.
#
# Usage: bench/stripes.sh [--rate 20mbit] [--path 200mbit] [--counts "2 4 8 16 32"] [--only uniform,hetero,open]
#                         [--download] [--runs 2] [--time 20] [--quick]
#   --quick      1 run of 20 s
# Needs root. LAB_PREFIX (see netlab.sh) picks the lab's namespaces; BENCH_KEEP=1 keeps the logs.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE=20mbit
PATH_CAP=200mbit
COUNTS="2 4 8 16 32"
ONLY=uniform,hetero,open
DIRECTIONS=upload
RUNS=2
TIME=20
IPERF_PORT=5201
NEXT_PORT=7300

usage() { usage_from_header 15 17; }

while [ $# -gt 0 ]; do
  case $1 in
    --rate) RATE=${2:?--rate needs a value}; shift 2 ;;
    --path) PATH_CAP=${2:?--path needs a value}; shift 2 ;;
    --counts) COUNTS=${2:?--counts needs a value}; shift 2 ;;
    --only) ONLY=${2:?--only needs a value}; shift 2 ;;
    --download) DIRECTIONS="upload download"; shift ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --time) TIME=${2:?--time needs a value}; shift 2 ;;
    --quick) RUNS=1; shift ;;
    -h | --help) usage ;;
    *) echo "stripes.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
check_runs_and_time
for n in $COUNTS; do check_count --counts "$n" 256; done
for lab in ${ONLY//,/ }; do
  case $lab in uniform | hetero | open) ;; *) die "--only takes uniform, hetero and open, got '$lab'" ;; esac
done

need_root_and_tools iperf3
ensure_built
install_cleanup

mbit() { awk -v b="${1:-}" 'BEGIN { if (b == "") print "failed"; else printf "%.1f\n", b / 1e6 }'; }

# One transfer through a fresh proxy pair with --stripes STRIPES; records the rate, and for auto the count chosen.
measure() {
  local lab=$1 dir=$2 stripes=$3 run=$4 flag=$5
  local sport=$NEXT_PORT cport=$((NEXT_PORT + 1)) tag="$lab.$dir.$stripes.$run"
  NEXT_PORT=$((NEXT_PORT + 2))
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/server.$tag.log" "$STRIPER" -s "$LAB_SERVER_ADDR:$sport" "127.0.0.1:$IPERF_PORT" --insecure --control off
  local server=$STARTED_PID
  start_in_ns "$LAB_CLIENT_NS" "$WORK_DIR/client.$tag.log" "$STRIPER" -c "127.0.0.1:$cport" "$LAB_SERVER_ADDR" "$sport" --stripes "$stripes" --control off
  local client=$STARTED_PID
  wait_listening "$LAB_SERVER_NS" "$sport" "$server" "$WORK_DIR/server.$tag.log"
  wait_listening "$LAB_CLIENT_NS" "$cport" "$client" "$WORK_DIR/client.$tag.log"
  local bps
  # shellcheck disable=SC2086 # $flag is empty or -R
  bps=$(iperf_bps "$LAB_CLIENT_NS" "$WORK_DIR/iperf.$tag.json" -c 127.0.0.1 -p "$cport" -P 1 $flag)
  stop_pid "$client"
  stop_pid "$server"
  record "rate.$lab.$dir.$stripes" "$bps"
  local chosen=
  if [ "$stripes" = auto ]; then
    chosen=$(sed -n 's/.*; now \([0-9]*\) substreams.*/\1/p' "$WORK_DIR/client.$tag.log" | tail -n 1)
    chosen=${chosen:-4}
    record "chosen.$lab.$dir" "$chosen"
    grep -o 'session [^ ]*: .*Mbit/s.*' "$WORK_DIR/client.$tag.log" | sed 's/^session [^ ]*: /    /' >&2 || true
  fi
  log "$lab run $run $dir --stripes $stripes: $(mbit "$bps") Mbit/s${chosen:+, ended on $chosen}"
}

for lab in ${ONLY//,/ }; do
  eval "$("$NETLAB" env)"
  case $lab in
    uniform) LAB_PATH_RATE=$PATH_CAP "$NETLAB" up "$RATE" >&2 ;;
    hetero) LAB_PATH_RATE=$PATH_CAP "$NETLAB" up-hetero "$RATE" >&2 ;;
    open) "$NETLAB" up none >&2 ;;
  esac
  start_in_ns "$LAB_SERVER_NS" "$WORK_DIR/iperf3-server.$lab.log" iperf3 -s -p "$IPERF_PORT"
  iperf_server=$STARTED_PID
  wait_listening "$LAB_SERVER_NS" "$IPERF_PORT" "$iperf_server" "$WORK_DIR/iperf3-server.$lab.log"
  for run in $(seq 1 "$RUNS"); do
    for dir in $DIRECTIONS; do
      flag=
      [ "$dir" = download ] && flag=-R
      for stripes in $COUNTS auto; do
        measure "$lab" "$dir" "$stripes" "$run" "$flag"
      done
    done
  done
  stop_pid "$iperf_server"
  "$NETLAB" down >&2
done

# The fixed count whose median rate is highest, and that median.
best_fixed() {
  local lab=$1 dir=$2 n m best= best_n=
  for n in $COUNTS; do
    m=$(series_median "rate.$lab.$dir.$n")
    [ -n "$m" ] || continue
    if [ -z "$best" ] || awk -v a="$m" -v b="$best" 'BEGIN { exit !(a > b) }'; then
      best=$m
      best_n=$n
    fi
  done
  echo "$best_n $best"
}

print_table() {
  echo
  echo "Striper --stripes auto against fixed counts, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "uniform: per-flow cap $RATE, path $PATH_CAP; hetero: the same with a quarter of the buckets at a tenth; open: unshaped"
  echo "$RUNS run(s) x $TIME s per cell, one iperf3 connection; each cell: median (min-max) Mbit/s as iperf3's receiver saw it"
  for lab in ${ONLY//,/ }; do
    for dir in $DIRECTIONS; do
      echo
      printf '%-18s' "$lab $dir"
      for n in $COUNTS auto; do printf '%-22s' "N=$n"; done
      echo
      printf '%-18s' "  rate"
      for n in $COUNTS auto; do printf '%-22s' "$(cell "rate.$lab.$dir.$n" 1e6)"; done
      echo
      read -r best_n best < <(best_fixed "$lab" "$dir")
      local auto
      auto=$(series_median "rate.$lab.$dir.auto")
      echo "  auto ended on $(cell "chosen.$lab.$dir" 1 %.0f) substreams; best fixed count N=$best_n;" \
        "auto / best fixed, of medians: $(awk -v a="${auto:-0}" -v b="${best:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')"
    done
  done
}

print_table | sed 's/[[:space:]]*$//'

for lab in ${ONLY//,/ }; do
  for dir in $DIRECTIONS; do
    read -r best_n best < <(best_fixed "$lab" "$dir")
    result "$lab.$dir.auto_mbit" "rate.$lab.$dir.auto" 1e6
    result "$lab.$dir.best_fixed_mbit" "rate.$lab.$dir.$best_n" 1e6
    result "$lab.$dir.auto_count" "chosen.$lab.$dir"
  done
done
