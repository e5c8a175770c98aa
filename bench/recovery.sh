#!/usr/bin/env bash
# Recovery after kill -9, measured from outside the hub: how long deliveries that were open when a hub was
# killed wait before they are delivered again.
#
#   (1) one hub: kill -9 under load, start a new hub process on the same database;
#       figures: new hub ready after start, first delivery after ready, first delivery of the killed hub's work.
#   (2) two hubs: kill -9 one under load; the survivor takes its lanes; figure: kill -> first delivery of the
#       killed hub's open work.
# Each on a throwaway PostgreSQL 15 cluster, an nginx sink, and a paced wrk load (batches of 100, 1 connection).
#   bash bench/recovery.sh            (needs target/millwright.jar, PostgreSQL server binaries, nginx, wrk)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOAD=${LOAD:-$ROOT/../shared/peers/load}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
. "$ROOT/scripts/jdk.sh"; pick_jdk; JAVA=$JAVA_HOME/bin/java
PGPORT=${PGPORT:-55442}; SINK=${SINK:-19292}; PORT_A=${PORT_A:-18181}; PORT_B=${PORT_B:-18182}
SCRATCH=${SCRATCH:-/tmp/millwright-recovery/run-$(date +%Y%m%d-%H%M%S)}
TOKEN=recovery-token-0123456789abcdef
mkdir -p "$SCRATCH"; cd "$SCRATCH"
PSQL="psql -X -q -At -h 127.0.0.1 -p $PGPORT -U postgres"
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -f pgdata/postmaster.pid ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D pgdata -m fast stop >/dev/null 2>&1
}
trap cleanup EXIT
now() { date +%s.%N; }
wait_port() { for _ in $(seq 1 300); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 did not open" >&2; return 1; }

mkdir -p pgdata; chown postgres "$SCRATCH" pgdata
runuser -u postgres -- "$PGBIN/initdb" -D pgdata -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D pgdata -w -l pg.log -o "-p $PGPORT -k $SCRATCH/pgdata -c listen_addresses=127.0.0.1" start >/dev/null

mkdir -p sink/ngx_body
sed -e "s|@DIR@|$SCRATCH/sink|g; s|@PORT@|$SINK|; s|@WORKERS@|1|" "$LOAD/sink-nginx.conf.in" > sink/sink.conf
nginx -c "$SCRATCH/sink/sink.conf" -p "$SCRATCH/sink" > sink/out 2>&1 & PIDS+=($!)
wait_port "$SINK"

mkdir -p plant/systems plant/subscriptions
printf 'plant: recovery\ncontracts: { allowUnknownTypes: true }\n' > plant/millwright.yaml
printf 'name: sink\noutbound:\n  http:\n    baseUrl: http://127.0.0.1:%s\n' "$SINK" > plant/systems/sink.yaml
printf 'name: all\non: com.acme.machine.telemetry\ndeliver: { system: sink, path: /events }\norderBy: subject\n' > plant/subscriptions/all.yaml
# One request of 100 events every 20 ms: about 5,000 events/s, well below what one hub delivers.
printf 'dofile("%s/cloudevents-batch.lua")\nfunction delay() return 20 end\n' "$LOAD" > paced.lua

hub() { # db port log -> pid
  MILLWRIGHT_DB_URL="jdbc:postgresql://127.0.0.1:$PGPORT/$1" MILLWRIGHT_DB_USER=postgres MILLWRIGHT_DB_PASSWORD= \
    MILLWRIGHT_ADMIN_TOKEN=$TOKEN "$JAVA" -jar "$ROOT/target/millwright.jar" run --config plant --port "$2" > "$3" 2>&1 &
  echo $!
}
load() { # port seconds run-id
  RUN_ID=$3 AUTH_HEADER="Bearer $TOKEN" wrk -t1 -c1 -d"$2s" --timeout 5s -s paced.lua "http://127.0.0.1:$1/api/v1/events" > "wrk-$3.out" 2>&1 || true
}
open_ids() { $PSQL -d "$1" -c "select coalesce(string_agg(d.id::text, ','), '') from millwright.deliveries d
  join millwright.leases l on l.name = 'lane:' || d.lane || ':' || d.target where d.open and l.owner like '$2-%'"; }
first_delivered() { $PSQL -d "$1" -c "select extract(epoch from min(delivered_at)) from millwright.deliveries where id = any('{$2}'::bigint[])"; }
pending() { $PSQL -d "$1" -c "select count(*) from millwright.deliveries where open"; }
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }

# (1) one hub, killed and started again
$PSQL -c "create database single"
A=$(hub single "$PORT_A" hub-a.log); PIDS+=("$A"); wait_port "$PORT_A"
load "$PORT_A" 8 single1 & LOADER=$!
sleep 5
T_KILL=$(now); kill -9 "$A"
# What the dead hub left open (read after the kill, so none of it can still be delivered by the dead hub).
IDS=$(open_ids single "$A"); wait "$LOADER" 2>/dev/null || true
T_START=$(now); B=$(hub single "$PORT_A" hub-b.log); PIDS+=("$B"); wait_port "$PORT_A"; T_READY=$(now)
for _ in $(seq 1 600); do [ "$(pending single)" = 0 ] && break; sleep 0.1; done
if [ -z "$IDS" ]; then echo "single: the killed hub had no open deliveries (load too light?)" | tee -a result.txt
else
  T_FIRST=$(first_delivered single "$IDS")
  echo "single: open_at_kill=$(echo "$IDS" | tr ',' '\n' | wc -l) ready_after_start_s=$(calc "$T_READY-$T_START") first_delivery_after_ready_s=$(calc "$T_FIRST-$T_READY") kill_to_first_delivery_s=$(calc "$T_FIRST-$T_KILL") pending_after=$(pending single)" | tee -a result.txt
fi
kill "$B"; wait "$B" 2>/dev/null || true

# (2) two hubs, one killed; the survivor takes its lanes
$PSQL -c "create database pair"
A=$(hub pair "$PORT_A" pair-a.log); PIDS+=("$A"); wait_port "$PORT_A"
B=$(hub pair "$PORT_B" pair-b.log); PIDS+=("$B"); wait_port "$PORT_B"
sleep 3 # lanes are dealt over both nodes
load "$PORT_A" 10 pair1 & LA=$!; load "$PORT_B" 10 pair2 & LB=$!
sleep 5
T_KILL=$(now); kill -9 "$A"
IDS=$(open_ids pair "$A")
wait "$LA" "$LB" 2>/dev/null || true
for _ in $(seq 1 600); do [ "$(pending pair)" = 0 ] && break; sleep 0.1; done
if [ -z "$IDS" ]; then echo "pair: the killed hub had no open deliveries (load too light?)" | tee -a result.txt
else
  T_FIRST=$(first_delivered pair "$IDS")
  echo "pair: open_at_kill=$(echo "$IDS" | tr ',' '\n' | wc -l) kill_to_first_delivery_by_survivor_s=$(calc "$T_FIRST-$T_KILL") pending_after=$(pending pair)" | tee -a result.txt
fi
