#!/usr/bin/env bash
# interop.sh: do two builds of Striper understand each other? Before a new build replaces an old one on half of
# the machines, a client of one must work with a server of the other, both ways round.
#
# On loopback, for each pairing of client proxy and server proxy (OLD->NEW and NEW->OLD; OLD->OLD and NEW->NEW
# as controls, so that a failure can be told apart from one both builds share), each substream transport
# (--transport tcp, msp, tcp,msp) and each security setting (none, --secret-file, --secret-file --encrypt), one
# tunnelled connection carries 64 MiB of random data each way at once: the client side sends one file while the
# target sends another. Both receivers hash what arrived; the case passes when both SHA-256 match what was sent.
# Then the MSP tunnel (`msp listen --forward` of one build, `msp connect --forward` of the other, both ways
# round, without and with --secret-file --encrypt) the same way.
#
# Usage: bench/interop.sh OLD_BIN NEW_BIN [--size MIB] [--stripes N|default] [--no-controls]
#   --stripes default  passes no --stripes: each client proxy runs its own build's default (auto since stop 18)
# Prints a PASS/FAIL line per case on stdout and exits 1 if any case failed. No root needed; needs socat
# (bench/install-deps.sh), python3 and sha256sum. BENCH_KEEP=1 keeps the work folder (the proxies' logs).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { usage_from_header 13 16; }

SIZE_MIB=64
STRIPES=8
CONTROLS=1
BINS=()
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=${2:?--size needs a value}; shift 2 ;;
    --stripes) STRIPES=${2:?--stripes needs a value}; shift 2 ;;
    --no-controls) CONTROLS=; shift ;;
    -h | --help) usage ;;
    -*) echo "interop.sh: unknown argument '$1'" >&2; usage ;;
    *) BINS+=("$1"); shift ;;
  esac
done
[ ${#BINS[@]} -eq 2 ] || usage
declare -A BIN=([old]=${BINS[0]} [new]=${BINS[1]})
for b in old new; do [ -x "${BIN[$b]}" ] || die "${BIN[$b]} is not an executable"; done
check_count --size "$SIZE_MIB" 4096
STRIPES_ARGS=()
if [ "$STRIPES" != default ]; then
  check_count --stripes "$STRIPES" 256
  STRIPES_ARGS=(--stripes "$STRIPES")
fi
for tool in socat python3 sha256sum ss; do command -v "$tool" >/dev/null || die "missing $tool; run bench/install-deps.sh"; done

install_local_cleanup striper-interop

stop_all() {
  local pid
  for pid in "${BG_PIDS[@]}"; do stop_pid "$pid"; done
}

# Waits until something listens on TCP PORT (UDP with -u); fails the case (returns 1) if PID dies first.
wait_port() {
  local proto=t
  if [ "$1" = -u ]; then proto=u; shift; fi
  local port=$1 pid=$2 logfile=$3
  for _ in $(seq 1 200); do
    if [ -n "$(ss -Hl${proto}n "sport = :$port")" ]; then return 0; fi
    alive "$pid" || { log "process $pid exited before listening on $port: $(tail -n 5 "$logfile")"; return 1; }
    sleep 0.05
  done
  log "nothing listened on $port after 10 s: $(tail -n 5 "$logfile")"
  return 1
}

# The two ends of one tunnelled connection, in one small program: `serve PORT FILE` accepts one connection,
# `connect PORT FILE` makes one; each sends FILE, half-closes, reads to the end and prints
# "bytes sha256-of-what-arrived". Sending and receiving run at once, as a real bidirectional stream does.
BIDI=$WORK_DIR/bidi.py
cat >"$BIDI" <<'PY'
import hashlib, socket, sys, threading
mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode == "serve":
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    s, _ = ls.accept()
    ls.close()
else:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(None)
def send():
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            s.sendall(b)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
h, n = hashlib.sha256(), 0
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
t.join()
s.close()
print(n, h.hexdigest())
PY

UP=$WORK_DIR/up.bin
DOWN=$WORK_DIR/down.bin
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$UP"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$DOWN"
BYTES=$((SIZE_MIB << 20))
UP_SHA=$(sha256sum "$UP" | awk '{ print $1 }')
DOWN_SHA=$(sha256sum "$DOWN" | awk '{ print $1 }')
SECRET=$WORK_DIR/striper.secret
"${BIN[new]}" secret --out "$SECRET" >/dev/null 2>&1 || die "striper secret --out failed"
chmod 600 "$SECRET"

FAILED=0
PASSED=0
RESULTS=$WORK_DIR/results
: >"$RESULTS"

# Runs the two ends through a tunnel whose entry is ENTRY and exit TARGET (both TCP on loopback), and prints
# PASS or FAIL with the reason. The target end is started first, the client end once the entry listens.
transfer() {
  local name=$1 entry=$2 target=$3
  local out=$WORK_DIR/$name
  timeout 120 python3 "$BIDI" serve "$target" "$DOWN" >"$out.target" 2>"$out.target.err" &
  local target_pid=$!
  BG_PIDS+=("$target_pid")
  wait_port "$target" "$target_pid" "$out.target.err" || return 1
  local status=0
  timeout 120 python3 "$BIDI" connect "$entry" "$UP" >"$out.client" 2>"$out.client.err" || status=$?
  # Once the client end is done, the target end has had all it will get: a few seconds to finish, not 120.
  for _ in $(seq 1 100); do
    alive "$target_pid" || break
    sleep 0.1
  done
  kill "$target_pid" 2>/dev/null || true
  wait "$target_pid" 2>/dev/null || status=$((status ? status : 1))
  local up down
  up=$(cat "$out.target")
  down=$(cat "$out.client")
  CASE_DETAIL=
  [ "$up" = "$BYTES $UP_SHA" ] || CASE_DETAIL+="upload got '${up:-nothing}' $(tail -n 1 "$out.target.err" 2>/dev/null); "
  [ "$down" = "$BYTES $DOWN_SHA" ] || CASE_DETAIL+="download got '${down:-nothing}' $(tail -n 1 "$out.client.err" 2>/dev/null); "
  [ -z "$CASE_DETAIL" ] && [ "$status" -eq 0 ]
}

report() {
  local name=$1 ok=$2 seconds=$3
  if [ "$ok" = 1 ]; then
    PASSED=$((PASSED + 1))
    printf '%-52s PASS  %5.1f s\n' "$name" "$seconds" | tee -a "$RESULTS"
  else
    FAILED=$((FAILED + 1))
    printf '%-52s FAIL  %5.1f s  %s\n' "$name" "$seconds" "${CASE_DETAIL:-the proxies did not start}" | tee -a "$RESULTS"
    # The logs of a failed case stay, whatever BENCH_KEEP says.
    BENCH_KEEP=1
  fi
}

# One proxy pair: CLIENT build -> SERVER build over TRANSPORT with SECURITY (none, secret, encrypt).
proxy_case() {
  local client=$1 server=$2 transport=$3 security=$4
  local name="proxy $client->$server $transport $security"
  local tag=${name// /_}
  tag=${tag//>/}
  local sport entry target opts=()
  sport=$(free_port)
  entry=$(free_port)
  target=$(free_port)
  case $security in
    secret) opts=(--secret-file "$SECRET") ;;
    encrypt) opts=(--secret-file "$SECRET" --encrypt) ;;
  esac
  local t0 ok=0
  t0=$(date +%s.%N)
  CASE_DETAIL=
  start_local "$WORK_DIR/$tag.server.log" "${BIN[$server]}" -s "127.0.0.1:$sport" "127.0.0.1:$target" --transport "$transport" "${opts[@]}"
  local spid=$STARTED_PID
  start_local "$WORK_DIR/$tag.client.log" "${BIN[$client]}" -c "127.0.0.1:$entry" 127.0.0.1 "$sport" "${STRIPES_ARGS[@]}" --transport "$transport" "${opts[@]}"
  local cpid=$STARTED_PID
  if wait_port "$sport" "$spid" "$WORK_DIR/$tag.server.log" && wait_port "$entry" "$cpid" "$WORK_DIR/$tag.client.log" &&
    transfer "$tag" "$entry" "$target"; then
    ok=1
  fi
  if [ $ok = 0 ]; then CASE_DETAIL+="logs: $WORK_DIR/$tag.{client,server}.log"; fi
  stop_all
  report "$name" "$ok" "$(awk -v a="$t0" -v z="$(date +%s.%N)" 'BEGIN { print z - a }')"
}

# The MSP tunnel: `msp listen --forward` of the LISTEN build, `msp connect --forward` of the CONNECT build.
msp_case() {
  local connect=$1 listen=$2 security=$3
  local name="msp connect $connect -> listen $listen $security"
  local tag=${name// /_}
  tag=${tag//>/}
  local entry target opts=() sid udp
  entry=$(free_port)
  target=$(free_port)
  [ "$security" = encrypt ] && opts=(--secret-file "$SECRET" --encrypt)
  local t0 ok=0
  t0=$(date +%s.%N)
  CASE_DETAIL=
  local llog=$WORK_DIR/$tag.listen.log clog=$WORK_DIR/$tag.connect.log
  start_local "$llog" "${BIN[$listen]}" msp --identity "$WORK_DIR/$tag.listen.id" --bind 127.0.0.1:0 "${opts[@]}" listen "--forward=$target" 9
  local lpid=$STARTED_PID
  for _ in $(seq 1 200); do
    grep -q "MSP listening" "$llog" && break
    alive "$lpid" || break
    sleep 0.05
  done
  sid=$(grep -o 'MDP node [0-9a-f]\{64\}' "$llog" | awk '{ print $3 }' | head -n 1)
  udp=$(grep -o 'on 127\.0\.0\.1:[0-9]*' "$llog" | head -n 1 | cut -d: -f2)
  if [ -n "$sid" ] && [ -n "$udp" ]; then
    start_local "$clog" "${BIN[$connect]}" msp --identity "$WORK_DIR/$tag.connect.id" --bind 127.0.0.1:0 --peer "127.0.0.1:$udp" "${opts[@]}" connect "--forward=$entry" "$sid" 9
    local cpid=$STARTED_PID
    if wait_port "$entry" "$cpid" "$clog" && transfer "$tag" "$entry" "$target"; then ok=1; fi
  else
    CASE_DETAIL="could not read the listener's SID and UDP port; "
  fi
  if [ $ok = 0 ]; then CASE_DETAIL+="logs: $llog $clog"; fi
  stop_all
  report "$name" "$ok" "$(awk -v a="$t0" -v z="$(date +%s.%N)" 'BEGIN { print z - a }')"
}

PAIRINGS=("old new" "new old")
[ -n "$CONTROLS" ] && PAIRINGS+=("old old" "new new")

log "interop: OLD=${BIN[old]} NEW=${BIN[new]}, $SIZE_MIB MiB each way per case, --stripes $STRIPES"
echo "Striper interop, $(date -u '+%Y-%m-%d %H:%M UTC'): OLD=${BIN[old]} NEW=${BIN[new]}"
echo "one tunnelled connection per case on loopback, $SIZE_MIB MiB of random data each way at once, SHA-256 checked at both ends"
echo
for pairing in "${PAIRINGS[@]}"; do
  # shellcheck disable=SC2086 # two words on purpose
  set -- $pairing
  for transport in tcp msp tcp,msp; do
    for security in none secret encrypt; do
      proxy_case "$1" "$2" "$transport" "$security"
    done
  done
done
for pairing in "${PAIRINGS[@]}"; do
  # shellcheck disable=SC2086
  set -- $pairing
  for security in none encrypt; do
    msp_case "$1" "$2" "$security"
  done
done

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
