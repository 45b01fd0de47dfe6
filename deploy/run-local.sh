#!/usr/bin/env bash
# Runs one coordinator and N worker processes on this machine, over loopback:
#
#   deploy/run-local.sh N [coordinator options...]
#   deploy/run-local.sh 3 --epochs 500 --model-out /tmp/model.json
#
# Builds the solution (Release) once, starts the coordinator with --local-workers 0
# --min-workers N and the given options, then N workers that join it at 127.0.0.1:PORT (PORT from
# a --port among the options, 4053 by default). Every output line is prefixed with its process's
# name. Ctrl+C or SIGTERM stops them all (the coordinator saves a checkpoint first and exits with
# 4; the same command resumes); so does the coordinator's end. Exits with the coordinator's code.
set -euo pipefail

me=run-local
say() { printf '[%s] %s\n' "$me" "$*"; }
usage() { echo "usage: $0 WORKERS [coordinator options...]" >&2; }

if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  usage
  exit 2
fi
workers=$1
shift

# shellcheck source=deploy/options.sh
. "$(dirname "${BASH_SOURCE[0]}")/options.sh"

port=$(option_value --port "$@")
port=${port:-4053}
if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "error: --port: the workers need a fixed port (1-65535), got '$port'" >&2
  exit 2
fi
# Workers join the address the coordinator advertises: its public host, else its host.
host=$(option_value --public-host "$@")
if [ -z "$host" ]; then
  host=$(option_value --host "$@")
  case $host in "" | 0.0.0.0 | :: | "[::]") host=127.0.0.1 ;; esac
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=Release/net10.0
coordinator_dll=$root/src/Coordinator/bin/$bin/ShardedBackprop.Coordinator.dll
worker_dll=$root/src/Worker/bin/$bin/ShardedBackprop.Worker.dll

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbp-run-local.XXXXXX")
pids=()       # the programs, coordinator first
prefixers=()  # the sed processes that prefix their lines

# shellcheck disable=SC2317 # trap handlers
cleanup() {
  local pid
  for pid in "${pids[@]}" "${prefixers[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # until the programs run

say "building $root/ShardedBackprop.sln (Release)"
if ! dotnet build "$root/ShardedBackprop.sln" -c Release -v q >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  say "build failed" >&2
  exit 1
fi

# Starts "$@" as NAME: its output goes through a FIFO to sed -u, which prefixes each line as soon
# as it is written. Both run in sessions of their own, so that a Ctrl+C in the terminal reaches
# this script alone, which passes on exactly one SIGTERM per signal it gets.
start() {
  local name=$1
  shift
  mkfifo "$tmp/$name.fifo"
  setsid sed -u "s/^/[$name] /" <"$tmp/$name.fifo" &
  prefixers+=("$!")
  setsid "$@" </dev/null >"$tmp/$name.fifo" 2>&1 &
  pids+=("$!")
}

# shellcheck disable=SC2317 # trap handlers
signal_all() {
  local pid
  for pid in "${pids[@]}"; do
    kill "-$1" "$pid" 2>/dev/null || true
  done
}

# shellcheck disable=SC2317
on_signal() {
  say "stopping: SIGTERM to the coordinator and the workers"
  signal_all TERM
}
trap on_signal INT TERM

start coordinator dotnet "$coordinator_dll" --local-workers 0 --min-workers "$workers" "$@"
coordinator=${pids[0]}
for ((i = 1; i <= workers; i++)); do
  start "worker-$i" dotnet "$worker_dll" --coordinator "$host:$port"
done

# wait returns early (above 128) when a trapped signal arrives; the coordinator is still there then.
status=0
while :; do
  if wait "$coordinator"; then status=0; else status=$?; fi
  if ! kill -0 "$coordinator" 2>/dev/null; then break; fi
done

# Waits up to $1 seconds for the given children to end; leaves those still running in $left.
left=()
wait_within() {
  local seconds=$1 timer done_pid pid
  shift
  left=("$@")
  sleep "$seconds" &
  timer=$!
  while [ ${#left[@]} -gt 0 ]; do
    done_pid=""
    wait -n -p done_pid "${left[@]}" "$timer" || true
    if [ -z "$done_pid" ]; then continue; fi # a signal, not an exit
    if [ "$done_pid" = "$timer" ]; then break; fi
    local rest=()
    for pid in "${left[@]}"; do
      if [ "$pid" != "$done_pid" ]; then rest+=("$pid"); fi
    done
    left=("${rest[@]}")
  done
  kill "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
}

# Workers end by themselves when training has finished, and otherwise wait for a next
# coordinator: after the coordinator, they get a moment, then SIGTERM, then SIGKILL.
if [ "$status" -eq 0 ]; then
  wait_within 10 "${pids[@]:1}"
else
  left=("${pids[@]:1}")
fi
if [ ${#left[@]} -gt 0 ]; then
  for pid in "${left[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait_within 15 "${left[@]}"
  for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
fi
wait "${pids[@]:1}" 2>/dev/null || true
# The prefixers end once their program's output is closed: every line is out before we exit.
wait "${prefixers[@]}" 2>/dev/null || true
pids=() prefixers=() # all ended: nothing for cleanup to kill
say "coordinator exited with code $status"
exit "$status"
