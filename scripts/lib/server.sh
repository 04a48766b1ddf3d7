# Shared helpers for scripts/crash and scripts/soak (sourced, not run).
# Starts release promo-server processes on 127.0.0.1 with port 0 and reads the port from the log.

# build_release: builds promo-server and promo-loadtest in release mode (quietly unless it fails), into
# $RELEASE_SCRATCH (default .build, so the binaries are in $RELEASE_SCRATCH/release).
RELEASE_SCRATCH=${RELEASE_SCRATCH:-.build}
build_release() {
  local product out
  for product in promo-server promo-loadtest; do
    if ! out=$(swift build -c release --scratch-path "$RELEASE_SCRATCH" --product "$product" 2>&1); then
      echo "$out" >&2
      return 1
    fi
  done
}

# random_key PREFIX: a 40+ byte key (valid as PROMO_ADMIN_KEY).
random_key() {
  echo "pk_${1}_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# start_server BINARY DATA_DIR ADMIN_KEY LOG [extra args...]
# Sets SERVER_PID and SERVER_PORT. Fails if the server does not print `listening on` within 30 s.
start_server() {
  local binary=$1 data=$2 key=$3 log=$4
  shift 4
  : >"$log"
  PROMO_ADMIN_KEY="$key" "$binary" --host 127.0.0.1 --port 0 --metrics-port 0 --console-port 0 --data-dir "$data" --log-level warning "$@" \
    >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_PORT=""
  local _
  for _ in $(seq 1 300); do
    SERVER_PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
    [ -n "$SERVER_PORT" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "promo-server exited before listening:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "promo-server did not report its port within 30 s:" >&2
  cat "$log" >&2
  kill -9 "$SERVER_PID" 2>/dev/null || true
  return 1
}

# stop_server SIGNAL: signals SERVER_PID (if set and alive) and reaps it.
stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "-$1" "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# python_client_env: makes the Python protobuf client available (the venv and generated module of
# scripts/interop-python); sets PY (interpreter) and PYGEN (PYTHONPATH for promo.v1.promo_pb2).
python_client_env() {
  local venv=.build/interop-venv
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "protobuf>=5,<7" "grpcio-tools>=1.60"
  fi
  PYGEN=.build/interop-gen
  mkdir -p "$PYGEN"
  "$venv/bin/python" -m grpc_tools.protoc --proto_path=proto --python_out="$PYGEN" proto/promo/v1/promo.proto
  PY="$venv/bin/python"
}

# build_loadc: compiles the minimal C load client (scripts/lib/loadc.c) against the committed protobuf-c
# code into .build/loadc; sets LOADC.
build_loadc() {
  mkdir -p .build
  LOADC=.build/loadc
  cc -O2 -Wall -I Sources/CPromoProto/include scripts/lib/loadc.c Sources/CPromoProto/promo.pb-c.c \
    -lprotobuf-c -o "$LOADC"
}
