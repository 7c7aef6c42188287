#!/bin/bash
# stop-process.sh PIDFILE BINARY: stop the process named by PIDFILE if its argv[0] is BINARY
# (TERM, then KILL after 10 s); prints "stopped" when it stopped one. Handlers use it to restart
# a process whose configuration changed (the start tasks then start it again).
set -uo pipefail
pidfile="$1" binary="$2"
pid="$(cat "$pidfile" 2>/dev/null)" || exit 0
if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1 | grep -qxF -- "$binary"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    echo stopped
fi
rm -f "$pidfile"
