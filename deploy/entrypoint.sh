#!/bin/sh
# The image's entrypoint: its first argument picks the process, so Rasa, the action server, the web
# app and the one-shot KB load share one image (deploy/Dockerfile). Each role checks the variables it
# needs first, so a missing or placeholder setting stops the container with one clear line instead of
# a server that falls back to a local SQLite file or an empty token.
#   rasa | actions | web | kb-init | healthcheck | <any command, e.g. python -m web users add NAME>
set -eu
cd /app

need() {
  for var in "$@"; do
    eval "value=\${$var:-}"
    if [ -z "$value" ]; then
      echo "$role: $var is not set (see deploy/README.md)" >&2
      exit 64
    fi
    case "$value" in
      *CHANGE-ME*) echo "$role: $var still holds the placeholder from deploy/k8s/secret.yaml or .env.example" >&2; exit 64 ;;
    esac
  done
}

tracker="TRACKER_DIALECT TRACKER_HOST TRACKER_PORT TRACKER_USER TRACKER_PASSWORD TRACKER_DB"
role=${1:-rasa}
[ $# -gt 0 ] && shift

case "$role" in
  rasa)
    # shellcheck disable=SC2086 # word lists on purpose
    need $tracker LOCK_REDIS_HOST LOCK_REDIS_PORT LOCK_REDIS_DB STATE_REDIS_URL \
      ACTION_ENDPOINT_URL ACTION_SERVER_TOKEN PII_HMAC_KEY
    # the model trained into the image, unless MODEL_PATH names a mounted one
    model=${MODEL_PATH:-}
    if [ -z "$model" ]; then
      for candidate in models/*.tar.gz; do
        if [ -z "$model" ] || [ "$candidate" -nt "$model" ]; then model=$candidate; fi
      done
    fi
    [ -f "$model" ] || { echo "rasa: no model at '$model'" >&2; exit 66; }
    # WEB_ORIGINS (space-separated) only when the chat page is served from another origin than Rasa
    # shellcheck disable=SC2086
    exec rasa run --model "$model" --endpoints "${RASA_ENDPOINTS:-bot/endpoints-scaled.yml}" \
      --credentials bot/credentials.yml --interface 0.0.0.0 --port "${RASA_PORT:-5005}" \
      ${WEB_ORIGINS:+--cors $WEB_ORIGINS} "$@"
    ;;
  actions)
    need ACTION_SERVER_TOKEN KB_DATABASE_URL CASEWORK_DATABASE_URL STAFF_DATABASE_URL PII_HMAC_KEY
    exec python -m bot.action_server --actions actions --host 0.0.0.0 --port "${ACTION_PORT:-5055}" "$@"
    ;;
  web)
    need KB_DATABASE_URL CASEWORK_DATABASE_URL STAFF_DATABASE_URL PII_HMAC_KEY
    exec python -m web serve --host 0.0.0.0 --port "${WEB_PORT:-8000}" "$@"
    ;;
  kb-init)
    # STAFF_DATABASE_URL: the build includes the guide editions editors published there.
    # shellcheck disable=SC2086
    need KB_DATABASE_URL STAFF_DATABASE_URL $tracker
    python -m knowledge build --if-stale
    # the tracker table, created once here so that replicas starting together need not race to
    python -c "from bot.windowed_tracker_store import create_tables; create_tables()"
    echo "kb-init: done"
    ;;
  healthcheck)
    # One process per container: whichever of the three health URLs answers is this container's.
    exec python - <<'EOF'
import os, sys, urllib.request
urls = [
    f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}/",
    f"http://127.0.0.1:{os.environ.get('ACTION_PORT', '5055')}/health",
    f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}/healthz",
]
for url in urls:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            if resp.status == 200:
                sys.exit(0)
    except Exception:
        pass
sys.exit(1)
EOF
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
