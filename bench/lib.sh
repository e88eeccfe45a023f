# shellcheck shell=bash
# Helpers the benchmarks share; sourced, never run. The benchmarks talk to Striper only through
# its command line, so they keep working while its internals change.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# STRIPER_BIN, when set, is the striper executable to measure (another build, such as an older commit's publish
# output); ensure_built then leaves bench/out alone. Unset, the benchmarks build and run bench/out/striper.
STRIPER=${STRIPER_BIN:-$BENCH_DIR/out/striper}
NETLAB=$BENCH_DIR/netlab.sh

# Every process a benchmark starts is recorded here, so the exit trap can stop exactly those.
BG_PIDS=()
WORK_DIR=

log() { echo "[$(date +%T)] $*" >&2; }

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

need_root_and_tools() {
  [ "$(id -u)" -eq 0 ] || die "needs root (it creates network namespaces)"
  local tool missing=()
  for tool in ip tc ss jq awk "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}; run bench/install-deps.sh"
}

# Prints lines FIRST..LAST of the calling script's header comment (its usage) and exits 2.
usage_from_header() {
  sed -n "$1,$2p" "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Checks the --runs and --time every benchmark takes, and sets IPERF_TIME from --time.
check_runs_and_time() {
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
  [[ $TIME =~ ^[1-9][0-9]*$ ]] || die "--time must be a positive number of seconds"
  IPERF_TIME=$TIME
}

# Dies unless VALUE is a count from 1 to MAX, naming OPTION.
check_count() {
  local option=$1 value=$2 max=$3
  if ! [[ $value =~ ^[1-9][0-9]*$ ]] || ((value > max)); then die "$option takes a count from 1 to $max"; fi
}

# Publishes the program into bench/out when it is missing or older than any source, so one command is enough.
# With STRIPER_BIN set it builds nothing: it only checks that the given executable is there.
ensure_built() {
  if [ -n "${STRIPER_BIN:-}" ]; then
    [ -x "$STRIPER_BIN" ] || die "STRIPER_BIN=$STRIPER_BIN is not an executable"
    log "using STRIPER_BIN=$STRIPER_BIN (not building bench/out)"
    return 0
  fi
  local newer=
  if [ -x "$STRIPER" ]; then
    newer=$(find "$REPO_DIR/src" "$REPO_DIR/config.hocon" "$REPO_DIR/Directory.Build.props" \
      \( -name bin -o -name obj \) -prune -o -type f -newer "$STRIPER" -print -quit)
  fi
  if [ ! -x "$STRIPER" ] || [ -n "$newer" ]; then
    log "building striper into bench/out${newer:+ ($newer changed)}"
    (cd "$REPO_DIR" && dotnet publish src/Striper.Host -c Release -o bench/out -v quiet -nologo) >&2 ||
      die "dotnet publish failed"
    # publish skips copying an unchanged apphost; touching it stops the next run from building again.
    touch "$STRIPER"
  fi
}

# Runs a command in a namespace in the background with its output in a log file; sets STARTED_PID.
# `exec` in the subshell makes $! the command's own PID (ip netns exec execs the command in turn), which
# is what /proc/PID/status and kill need.
start_in_ns() {
  local ns=$1 logfile=$2
  shift 2
  (exec ip netns exec "$ns" "$@") >"$logfile" 2>&1 &
  STARTED_PID=$!
  BG_PIDS+=("$STARTED_PID")
}

# True while PID runs (a zombie waiting to be reaped counts as gone).
alive() {
  [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Waits until something listens on PORT in the namespace; fails if PID dies first.
wait_listening() {
  local ns=$1 port=$2 pid=$3 logfile=$4
  for _ in $(seq 1 200); do
    if [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port")" ]; then return 0; fi
    alive "$pid" || die "process $pid exited before listening on $port in $ns: $(tail -n 5 "$logfile")"
    sleep 0.05
  done
  die "nothing listened on $port in $ns after 10 s: $(tail -n 5 "$logfile")"
}

# Stops one process we started and forgets it.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${BG_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  BG_PIDS=("${kept[@]}")
}

# Peak resident memory (VmHWM) of a process and its children, in KiB; 0 if gone. The largest single process
# is reported: for Striper there is one, for socat the forked child that carried the data.
peak_rss_kib() {
  local pid=$1 best=0 p v
  for p in "$pid" $(pgrep -P "$pid" 2>/dev/null || true); do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    [ -n "$v" ] && ((v > best)) && best=$v
  done
  echo "$best"
}

# Samples peak_rss_kib of PID every 0.2 s into FILE (the highest seen), in the background; sets STARTED_PID.
# Needed where the process that carried the data is gone by the end of the run (socat's forked children).
start_rss_sampler() {
  local pid=$1 file=$2
  echo 0 >"$file"
  (
    best=0
    while :; do
      v=$(peak_rss_kib "$pid")
      if ((v > best)); then
        best=$v
        echo "$best" >"$file"
      fi
      sleep 0.2
    done
  ) &
  STARTED_PID=$!
  BG_PIDS+=("$STARTED_PID")
}

# Runs iperf3 as a client inside a namespace and prints the receiver's rate in bit/s (empty on failure, with
# the reason on stderr). The receiver's figure is what arrived, not what was handed to the sender's socket.
iperf_bps() {
  local ns=$1 json=$2
  shift 2
  local seconds=$IPERF_TIME
  if ! timeout $((seconds + 30)) ip netns exec "$ns" iperf3 --json --connect-timeout 5000 -t "$seconds" "$@" >"$json" 2>&1; then
    log "iperf3 $* failed: $(jq -r '.error // empty' "$json" 2>/dev/null || tail -n 3 "$json")"
    return 0
  fi
  jq -r '.end.sum_received.bits_per_second // empty' "$json" 2>/dev/null || true
}

# CPU time (user + system) a process and its reaped children have used so far, in clock ticks
# (fields 14 to 17 of /proc/PID/stat).
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Bytes iperf3's receiver counted, from the JSON that iperf_bps left behind.
iperf_bytes() {
  jq -r '.end.sum_received.bytes // empty' "$1" 2>/dev/null || true
}

# Appends a value to a named series (a file per series under WORK_DIR), skipping empty values.
record() {
  [ -n "$2" ] || return 0
  echo "$2" >>"$WORK_DIR/series.$1"
}

# Prints "median min max" of a series (median of an even count is the mean of the middle two), or nothing.
series_stats() {
  local file=$WORK_DIR/series.$1
  [ -s "$file" ] || return 0
  sort -g "$file" | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}

# Formats a series as "median (min-max)" scaled by a divisor, or "-" when it has no values.
cell() {
  local name=$1 div=$2 fmt=${3:-%.1f} stats
  stats=$(series_stats "$name")
  if [ -z "$stats" ]; then
    echo "-"
    return
  fi
  # shellcheck disable=SC2086 # three numbers, split on purpose
  set -- $stats
  awk -v m="$1" -v lo="$2" -v hi="$3" -v d="$div" -v f="$fmt" \
    'BEGIN { if (lo == hi) printf f "\n", m / d; else printf f " (" f "-" f ")\n", m / d, lo / d, hi / d }'
}

# The ratio of two series' medians, or "-".
median_ratio() {
  local a b
  a=$(series_stats "$1" | awk '{ print $1 }')
  b=$(series_stats "$2" | awk '{ print $1 }')
  if [ -z "$a" ] || [ -z "$b" ]; then
    echo "-"
    return
  fi
  awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "-" }'
}

# a / b, for per-run ratios; empty if either is missing.
ratio() {
  [ -n "$1" ] && [ -n "$2" ] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f\n", a / b }'
}

# The median and the largest value of a series, or nothing.
series_median() { series_stats "$1" | awk '{ print $1 }'; }
series_max() { series_stats "$1" | awk '{ print $3 }'; }

# With BENCH_RESULTS=1 (compare.sh sets it), prints "RESULT KEY=VALUE" on standard output, VALUE being the median
# of a series divided by DIV (or its largest value with max): the figures compare.sh reads, one per line after the
# table, in plain units. Without BENCH_RESULTS, or for an empty series, it prints nothing.
result() {
  local key=$1 name=$2 div=${3:-1} how=${4:-median} v
  [ -n "${BENCH_RESULTS:-}" ] || return 0
  if [ "$how" = max ]; then v=$(series_max "$name"); else v=$(series_median "$name"); fi
  [ -n "$v" ] || return 0
  awk -v k="$key" -v v="$v" -v d="$div" 'BEGIN { printf "RESULT %s=%.4f\n", k, v / d }'
}

# The proxies' striper.memory-limit in MiB: STRIPER_MEMORY_LIMIT when set (config.hocon reads it), otherwise the
# default written in config.hocon. Sizes in MiB or GiB only.
memory_limit_mib() {
  local text=${STRIPER_MEMORY_LIMIT:-$(awk '$1 == "memory-limit" && $2 == "=" && $3 !~ /^\$/ { print $3; exit }' "$REPO_DIR/config.hocon")}
  [[ $text =~ ^([1-9][0-9]*)(MiB|GiB)$ ]] || die "memory-limit '$text' is not a size in MiB or GiB, such as 160MiB"
  if [ "${BASH_REMATCH[2]}" = GiB ]; then echo $((BASH_REMATCH[1] * 1024)); else echo "${BASH_REMATCH[1]}"; fi
}

# "yes" when every peak (KiB) in a series stayed under LIMIT_MIB, otherwise how many runs went over; "-" if empty.
under_limit() {
  local file=$WORK_DIR/series.$1
  [ -s "$file" ] || { echo "-"; return; }
  awk -v lim=$((LIMIT_MIB * 1024)) '$1 > lim { over++ } END { if (over) printf "no (%d of %d runs over)\n", over, NR; else print "yes" }' "$file"
}

# Stops everything this benchmark started and removes its lab; runs on every exit, Ctrl+C included.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$NETLAB" down >/dev/null 2>&1 || true
  if [ -n "$WORK_DIR" ] && [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK_DIR"; fi
  exit "$status"
}

install_cleanup() {
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/striper-bench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# For a benchmark that makes no lab (loopback only): a work folder named after it, and a cleanup that stops only
# what it started, so it never takes down a lab someone else is using.
install_local_cleanup() {
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap local_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

local_cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK_DIR"; else log "kept $WORK_DIR"; fi
  exit "$status"
}

# Starts a process in the background on this host, its output in LOGFILE; its pid in STARTED_PID.
start_local() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 &
  STARTED_PID=$!
  BG_PIDS+=("$STARTED_PID")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
