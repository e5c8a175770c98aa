#!/usr/bin/env bash
# ERP postings of many flow instances, with and without OData $batch, against the simulated SAP ERP as the demo plant
# ships it (the hub's ERP rate limit 20 calls/s, the ERP's own API limit 50 calls/s). N production confirmations
# (a goods receipt and a component issue each) go in through the API at once; the figure is the time from the post to
# the last confirmation-to-inventory instance completed, and the ERP requests it took. The hub runs from the project
# folder: the plant copies name their secrets as plants/demo/secrets/….
#   bash bench/erp-batching.sh            (needs target/millwright.jar; N=200 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/jdk.sh"; pick_jdk; JAVA=$JAVA_HOME/bin/java
N=${N:-200}; TIMEOUT=${TIMEOUT:-180}; HUB_PORT=${HUB_PORT:-18401}; BASE=${BASE:-9301}
SCRATCH=${SCRATCH:-/tmp/millwright-erp-batching/run-$(date +%Y%m%d-%H%M%S)}
TOKEN=batching-token-0123456789abcdef
ERP=$BASE; EAM=$((BASE + 1)); QMS=$((BASE + 2)); MES=$((BASE + 3)); CHAT=$((BASE + 4))
mkdir -p "$SCRATCH"; cd "$SCRATCH"
PIDS=()
cleanup() { set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 600); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }
now() { date +%s.%N; }

cp -r "$ROOT/plants/demo" batched
cp -r "$ROOT/plants/demo" unbatched
sed -i '/batch: { format: odata/d' unbatched/systems/erp.yaml
grep -q 'format: odata' batched/systems/erp.yaml && ! grep -q 'format: odata' unbatched/systems/erp.yaml

events() { # N confirmations as one CloudEvents batch
  local out="[" sep=""
  for i in $(seq 1 "$N"); do
    out+="$sep{\"specversion\":\"1.0\",\"id\":\"conf-$i\",\"source\":\"mes://plant-a/line-2\",\"type\":\"production.workorder.confirmed\",\"subject\":\"PO-104711\",\"plant\":\"acme/plant-a\",\"correlationid\":\"PO-104711\",\"datacontenttype\":\"application/json\",\"data\":{\"workOrderId\":\"PO-104711\",\"operation\":\"0020\",\"confirmedAt\":\"2026-12-03T06:00:$(printf '%02d' $((i % 60))).$(printf '%03d' "$i")Z\",\"yield\":{\"value\":1,\"unit\":\"EA\"},\"scrap\":{\"value\":0,\"unit\":\"EA\"},\"materialActuals\":[{\"materialId\":\"PUMP-HOUSING-7\",\"lotId\":\"LOT-4711\",\"quantity\":{\"value\":1,\"unit\":\"EA\"},\"use\":\"produced\"},{\"materialId\":\"CASTING-7\",\"quantity\":{\"value\":1,\"unit\":\"EA\"},\"use\":\"consumed\"}]}}"
    sep=","
  done
  echo "$out]"
}
events > events.json

run() { # mode
  local mode=$1
  "$JAVA" -jar "$ROOT/target/millwright.jar" simulate --secrets "$ROOT/plants/demo/secrets" --hub "http://127.0.0.1:$HUB_PORT" \
    --erp-port $ERP --eam-port $EAM --qms-port $QMS --mes-port $MES --chat-port $CHAT --eam-export "$SCRATCH/eam-$mode" \
    --repair-time 0s > "sim-$mode.log" 2>&1 & local sim=$!; PIDS+=($sim)
  wait_port $ERP; wait_port $CHAT
  MILLWRIGHT_DATA_DIR="$SCRATCH/data-$mode" MILLWRIGHT_ADMIN_TOKEN=$TOKEN \
    ERP_URL=http://127.0.0.1:$ERP/sap/opu/odata/sap ERP_TOKEN_URL=http://127.0.0.1:$ERP/sap/bc/sec/oauth2/token \
    EAM_URL=http://127.0.0.1:$EAM/maximo/oslc/os EAM_EXPORT_DIR="$SCRATCH/eam-$mode" QMS_URL=http://127.0.0.1:$QMS/api/v2 \
    MES_URL=http://127.0.0.1:$MES/api/v1 CHAT_URL=http://127.0.0.1:$CHAT/api/v4 \
    bash -c "cd '$ROOT' && exec '$JAVA' -jar target/millwright.jar run --config '$SCRATCH/$mode' --port $HUB_PORT" > "hub-$mode.log" 2>&1 &
  local hub=$!; PIDS+=($hub)
  wait_port $HUB_PORT
  local before; before=$(curl -s "http://127.0.0.1:$ERP/_state" | jq .requestsServed)
  local t0; t0=$(now)
  local status; status=$(curl -s -o "post-$mode.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/cloudevents-batch+json' --data-binary @events.json "http://127.0.0.1:$HUB_PORT/api/v1/events")
  [ "$status" = 202 ] || { echo "the hub answered $status: $(cat "post-$mode.out")" >&2; return 1; }
  local done=0
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    done=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HUB_PORT/api/v1/flow-instances?flow=confirmation-to-inventory&state=completed&limit=1000" | jq '.items | length')
    [ "$done" -ge "$N" ] && break
    sleep 0.1
  done
  local t1; t1=$(now)
  local after; after=$(curl -s "http://127.0.0.1:$ERP/_state" | jq .requestsServed)
  local docs; docs=$(curl -s "http://127.0.0.1:$ERP/_state" | jq '.materialDocuments | length')
  local failed; failed=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HUB_PORT/api/v1/flow-instances?flow=confirmation-to-inventory&state=failed&limit=1000" | jq '.items | length')
  awk -v m="$mode" -v n="$N" -v d="$done" -v f="$failed" -v s="$(echo "$t1 - $t0" | bc)" -v r="$((after - before))" -v docs="$docs" \
    'BEGIN { printf "%-10s %4d confirmations: %4d completed, %d failed, %5d material documents in %6.2f s (%6.1f postings/s), %5d ERP requests\n", m, n, d, f, docs, s, docs / s, r }' | tee -a result.txt
  kill "$hub" "$sim"; wait "$hub" "$sim" 2>/dev/null || true
  PIDS=()
}
run unbatched
run batched
cat result.txt
