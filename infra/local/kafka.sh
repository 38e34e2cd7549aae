#!/usr/bin/env bash
# Runs a single-node Apache Kafka 3.9 broker for Assay without Docker: kafka.sh start|stop|status
#
# KRaft, combined broker+controller, on the machine's Java (17+). The broker jars come from Maven
# Central through infra/local/kafka/pom.xml into .data/kafka/libs (once; ~46 MB). Data in
# .data/kafka/data, log in .data/logs/kafka.log, pid in .data/kafka/kafka.pid.
#
# With KAFKA_BROKERS set, the broker is someone else's: start only waits for it to answer (and
# creates missing topics), stop does nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"
POM="$ROOT/infra/local/kafka/pom.xml"
KAFKA_DIR="$ROOT/.data/kafka"
LIBS="$KAFKA_DIR/libs"
DATA="$KAFKA_DIR/data"
CONFIG="$KAFKA_DIR/config"
PID_FILE="$KAFKA_DIR/kafka.pid"
LOG_DIR="$ROOT/.data/logs"
PORT="${ASSAY_KAFKA_PORT:-29392}"
CONTROLLER_PORT="${ASSAY_KAFKA_CONTROLLER_PORT:-29393}"
# A first start on a cold 2-core machine (JIT, metadata log creation) takes ~10-20 s.
READY_TIMEOUT_S="${ASSAY_KAFKA_READY_TIMEOUT_S:-120}"

log() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

# Running, as opposed to exited: an exited process stays a zombie until PID 1 reaps it, which
# some container inits do late or never.
is_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" != "Z" ]]
}

# The pid of our broker if it is alive; the pid file alone may be stale after a crash or reboot.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && is_alive "$pid" || return 1
  # Guard against pid reuse by an unrelated process.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

ensure_libs() {
  # The marker carries the pom's hash so that bumping the Kafka version re-fetches the jars.
  local want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$LIBS/.complete" && "$(cat "$LIBS/.complete")" == "$want" ]]; then
    return
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch the Kafka jars from Maven Central"
  log "fetching Apache Kafka jars from Maven Central into .data/kafka/libs (first run only, ~20-60 s)..."
  local started=$SECONDS
  rm -rf "$LIBS.tmp"
  # Into a temp dir first: an interrupted download must not look like a complete one.
  # Maven 3.8 prints stray colour resets even in quiet batch mode; drop them, keep real errors.
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIBS.tmp" 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d'
  echo "$want" >"$LIBS.tmp/.complete"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - started))s"
}

write_config() {
  mkdir -p "$CONFIG" "$DATA" "$LOG_DIR"
  # Rewritten on every start so that ASSAY_KAFKA_PORT changes take effect; the data stays.
  cat >"$CONFIG/server.properties" <<EOF
# Written by infra/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${DATA}

# One broker: nothing can be replicated.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer internal partitions than the default 50: the first consumer group / transactional
# producer creates them, and 50 of each noticeably slows the first test on a small machine.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Topics are declared in infra/local/topics.json and created by kafka-ready.mjs; a typo in a
# topic name must fail loudly, not create a new topic.
auto.create.topics.enable=false
num.partitions=3
# Consumers in tests join one at a time; the default 3 s delay would stall every first poll.
group.initial.rebalance.delay.ms=0
EOF

  cat >"$CONFIG/log4j.properties" <<EOF
# Written by infra/local/kafka.sh. INFO from the broker to .data/logs/kafka.log; chatty
# internals at WARN so that the log stays readable.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${LOG_DIR}/kafka.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.utils.Log4jControllerRegistration$=WARN
# Full config dumps (hundreds of lines per start) and per-partition / housekeeping chatter.
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.kafka.server.DelayedOperationPurgatory\$ExpiredOperationReaper=WARN
log4j.logger.kafka.server.ClientQuotaManager\$ThrottledChannelReaper=WARN
log4j.logger.kafka.server.NodeToControllerRequestThread=WARN
log4j.logger.kafka.cluster=WARN
log4j.logger.kafka.log=WARN
log4j.logger.org.apache.kafka.storage=WARN
log4j.logger.org.apache.kafka.image=WARN
log4j.logger.org.apache.kafka.queue=WARN
EOF
}

# 512 MB heap is plenty for a dev broker and leaves room for PostgreSQL and six services.
JAVA_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
  -Dlog4j.configuration="file:$CONFIG/log4j.properties" -Dkafka.logs.dir="$LOG_DIR")

format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return
  # Any base64url-encoded 16-byte id will do; it only has to stay the same for this data dir.
  # One in 64 such ids starts with "-", which the storage tool reads as an option ("expected one
  # argument"), so draw again as Kafka's own Uuid.randomUuid does, and pass it with "=" as well.
  local cluster_id
  cluster_id="$("$NODE" -e "
    const { randomBytes } = require('node:crypto');
    let id;
    do id = randomBytes(16).toString('base64url'); while (id.startsWith('-'));
    process.stdout.write(id);")"
  log "formatting storage in .data/kafka/data (cluster id $cluster_id)"
  java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$CONFIG/server.properties" \
    >>"$LOG_DIR/kafka.stdout.log" 2>&1 || die "storage format failed; see .data/logs/kafka.stdout.log"
}

start() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    "$NODE" "$ROOT/infra/local/kafka-ready.mjs" --brokers "$KAFKA_BROKERS" --timeout "$READY_TIMEOUT_S"
    log "external brokers $KAFKA_BROKERS answer"
    return
  fi

  local pid
  if pid="$(running_pid)"; then
    "$NODE" "$ROOT/infra/local/kafka-ready.mjs" --brokers "127.0.0.1:$PORT" --timeout 30 --pid "$pid"
    log "already running (pid $pid) on 127.0.0.1:$PORT"
    return
  fi

  command -v java >/dev/null || die "Java 17+ is needed to run the Kafka broker"
  ensure_libs
  write_config
  format_storage

  # setsid: the broker gets its own session, so a Ctrl-C in (or the end of) the calling terminal,
  # test runner or CI step does not take it down. Its stdout only carries JVM-level messages.
  nohup setsid java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$CONFIG/server.properties" \
    >>"$LOG_DIR/kafka.stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started broker (pid $pid), waiting for it to answer on 127.0.0.1:$PORT..."

  if ! "$NODE" "$ROOT/infra/local/kafka-ready.mjs" --brokers "127.0.0.1:$PORT" \
    --timeout "$READY_TIMEOUT_S" --pid "$pid"; then
    echo "---- last lines of .data/logs/kafka.log / kafka.stdout.log ----" >&2
    tail -n 20 "$LOG_DIR/kafka.log" "$LOG_DIR/kafka.stdout.log" >&2 2>/dev/null || true
    stop >/dev/null
    die "broker did not become ready"
  fi
  log "ready on 127.0.0.1:$PORT"
}

stop() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    log "KAFKA_BROKERS is set; the external brokers are not ours to stop"
    return
  fi
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return
  fi
  kill -TERM "$pid"
  # A clean shutdown (flush, controlled shutdown, close the metadata log) spares the next start a
  # log recovery; it normally takes a few seconds. After 60 s give up and kill.
  local waited=0
  while is_alive "$pid"; do
    if ((waited == 600)); then
      log "no clean exit after 60s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    elif ((waited > 700)); then
      die "pid $pid survives SIGKILL"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    if "$NODE" "$ROOT/infra/local/kafka-ready.mjs" --brokers "$KAFKA_BROKERS" --timeout 5 --no-topics >/dev/null 2>&1; then
      log "external brokers $KAFKA_BROKERS answer"
      return 0
    fi
    log "external brokers $KAFKA_BROKERS do NOT answer"
    return 3
  fi
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    return 3
  fi
  if "$NODE" "$ROOT/infra/local/kafka-ready.mjs" --brokers "127.0.0.1:$PORT" --timeout 5 --pid "$pid" --no-topics >/dev/null 2>&1; then
    log "running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  log "process $pid is up but NOT answering on 127.0.0.1:$PORT"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: kafka.sh start|stop|status" >&2; exit 2 ;;
esac
