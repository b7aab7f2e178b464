#!/usr/bin/env bash
# Runs one control-plane process and stops it when its owner process is gone, so a test run that is killed
# (even with SIGKILL) never leaves etcd or an apiserver behind. OWNER=0 means "no owner" (cluster:up).
#   supervise.sh OWNER_PID -- command args...
owner="$1"; shift 2
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  if [[ "$owner" != 0 ]] && ! kill -0 "$owner" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    sleep 5
    kill -KILL "$child" 2>/dev/null
    exit 0
  fi
  sleep 1
done
wait "$child"
