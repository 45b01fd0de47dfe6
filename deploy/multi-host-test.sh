#!/usr/bin/env bash
# A cluster across three "hosts" on one machine: the coordinator and two workers, each in a Linux
# network namespace of its own with its own address on a private bridge (10.213.7.0/24, which
# only these namespaces use), talking TCP over it. Then trains the same settings with the
# single-process reference trainer and checks that both models have the same weight and bias
# bits. Prints one PASS or FAIL line; exits 0 on PASS, 1 on FAIL, 2 when it cannot run.
#
#   sudo deploy/multi-host-test.sh          (root: it creates namespaces and links)
#
# Everything it creates (namespaces, links, processes, temporary files) is removed when it ends,
# however it ends. Its names start with sbp-<pid>-, so that runs side by side do not clash.
# SBP_TIMEOUT (seconds, default 300) bounds every program it runs.
set -euo pipefail

me=multi-host
limit=${SBP_TIMEOUT:-300}
fail() {
  echo "FAIL: $me: $*"
  exit 1
}
cannot() {
  echo "FAIL: $me: $*" >&2
  exit 2
}

[ "$(id -u)" -eq 0 ] || cannot "must run as root (it creates network namespaces)"
command -v ip >/dev/null || cannot "needs ip (Debian package iproute2)"
command -v setsid >/dev/null || cannot "needs setsid (util-linux)"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
coordinator_dll=$root/src/Coordinator/bin/Release/net10.0/ShardedBackprop.Coordinator.dll
worker_dll=$root/src/Worker/bin/Release/net10.0/ShardedBackprop.Worker.dll

id=sbp-$$
ns_net=$id-net # the switch: a bridge that the hosts' links are plugged into
nodes=(coordinator worker-1 worker-2)
declare -A namespace=([coordinator]=$id-coord [worker-1]=$id-w1 [worker-2]=$id-w2)
declare -A address=([coordinator]=10.213.7.1 [worker-1]=10.213.7.11 [worker-2]=10.213.7.12)
port=4053
training=(--epochs 200)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$id.XXXXXX")
created=()   # namespaces, in the order they were made
prefixers=() # the sed processes that prefix output lines
declare -A pid=()

# shellcheck disable=SC2317 # trap handler
cleanup() {
  local ns p
  # Every process in these namespaces was started here: programs and their timeout wrappers.
  for ns in "${created[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$p" 2>/dev/null || true
    done
  done
  for p in "${pid[@]}" "${prefixers[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  for ns in "${created[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "FAIL: $me: interrupted"; exit 1' INT TERM

if [ ! -f "$coordinator_dll" ] || [ ! -f "$worker_dll" ]; then
  echo "[$me] building $root/ShardedBackprop.sln (Release)"
  if ! dotnet build "$root/ShardedBackprop.sln" -c Release -v q >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    fail "the Release build failed"
  fi
fi

# The network: one bridge in its own namespace, and per host a veth pair whose one end is the
# host's eth0 and whose other end is a port of the bridge. No host has a route anywhere else.
add_namespace() {
  ip netns add "$1" || cannot "could not create network namespace $1"
  created+=("$1")
  ip -n "$1" link set lo up
}
add_namespace "$ns_net"
ip -n "$ns_net" link add br0 type bridge
ip -n "$ns_net" link set br0 up
for node in "${nodes[@]}"; do
  ns=${namespace[$node]}
  add_namespace "$ns"
  ip link add eth0 netns "$ns" type veth peer name "$node" netns "$ns_net"
  ip -n "$ns_net" link set "$node" master br0
  ip -n "$ns_net" link set "$node" up
  ip -n "$ns" addr add "${address[$node]}/24" dev eth0
  ip -n "$ns" link set eth0 up
done
echo "[$me] hosts: coordinator ${address[coordinator]} ($ns_net bridge), workers ${address[worker-1]}, ${address[worker-2]}"

# Starts "$@" as NAME in namespace NS (or here, for -): output lines prefixed with [NAME] as
# soon as they are written, and kept in $tmp/NAME.log.
start() {
  local name=$1 ns=$2
  shift 2
  mkfifo "$tmp/$name.fifo"
  setsid sed -u -e "s/^/[$name] /" -e "w $tmp/$name.log" <"$tmp/$name.fifo" &
  prefixers+=("$!")
  if [ "$ns" = - ]; then
    setsid timeout -k 10 "$limit" "$@" </dev/null >"$tmp/$name.fifo" 2>&1 &
  else
    setsid ip netns exec "$ns" timeout -k 10 "$limit" "$@" </dev/null >"$tmp/$name.fifo" 2>&1 &
  fi
  pid[$name]=$!
}

# Waits for NAME to end and records its exit code in code[NAME] (124: it ran out of time).
declare -A code=()
finish() {
  local status=0
  wait "${pid[$1]}" || status=$?
  unset "pid[$1]"
  code[$1]=$status
}

start coordinator "${namespace[coordinator]}" dotnet "$coordinator_dll" \
  --local-workers 0 --min-workers 2 --host "${address[coordinator]}" --port "$port" \
  --model-out "$tmp/model.json" --state-dir "$tmp/state" "${training[@]}"
for node in worker-1 worker-2; do
  start "$node" "${namespace[$node]}" dotnet "$worker_dll" \
    --coordinator "${address[coordinator]}:$port" --host "${address[$node]}"
done

for node in "${nodes[@]}"; do
  finish "$node"
done

start reference - dotnet "$coordinator_dll" reference "${training[@]}" --model-out "$tmp/reference.json"
finish reference
wait "${prefixers[@]}" 2>/dev/null || true
prefixers=() # all ended: nothing for cleanup to kill

for name in "${nodes[@]}" reference; do
  [ "${code[$name]}" -eq 0 ] || fail "$name exited with code ${code[$name]}$([ "${code[$name]}" -ne 124 ] || echo ": timed out after ${limit}s")"
done
for node in worker-1 worker-2; do
  grep -q "Worker joined: akka.tcp://ShardedBackprop@${address[$node]}:" "$tmp/coordinator.log" ||
    fail "the coordinator did not log $node (${address[$node]}) joining"
done

# The "weights" and "biases" arrays of a model file, whitespace removed: equal text means equal
# bits, since doubles are written in shortest round-trip form.
parameters() {
  tr -d ' \t\r\n' <"$1" | awk '{
    split("weights biases", keys, " ")
    for (k = 1; k <= 2; k++) {
      key = "\"" keys[k] "\":"
      start = index($0, key)
      if (start == 0) { print "missing " key; continue }
      rest = substr($0, start + length(key))
      depth = 0
      for (j = 1; j <= length(rest); j++) {
        c = substr(rest, j, 1)
        if (c == "[") depth++
        else if (c == "]") { depth--; if (depth == 0) break }
      }
      print key substr(rest, 1, j)
    }
  }'
}
distributed=$(parameters "$tmp/model.json")
reference=$(parameters "$tmp/reference.json")
case $distributed in *missing*) fail "no weights or biases in the coordinator's model file" ;; esac
if [ "$distributed" != "$reference" ]; then
  printf 'cluster:   %s\nreference: %s\n' "$distributed" "$reference"
  fail "the cluster's weights and biases differ from the reference trainer's"
fi
echo "PASS: $me: coordinator ${address[coordinator]} and workers ${address[worker-1]}, ${address[worker-2]} in separate network namespaces trained ${training[*]} to the reference trainer's weight and bias bits"
