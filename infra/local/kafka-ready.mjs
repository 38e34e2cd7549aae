#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request, then makes sure every topic in
// topics.json exists (3 partitions, replication 1, the listed config).
//
//   node infra/local/kafka-ready.mjs [--brokers host:port,...] [--timeout 90] [--pid N] [--list]
//                                    [--no-topics]
//
// Only ever creates missing topics: never deletes, re-partitions or re-configures an existing one,
// because it may also point at a broker someone else owns (KAFKA_BROKERS).

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

// kafkajs 2.2.4 arms a negative timer on Node >= 24 (tulios/kafkajs#1751); Node clamps it to
// 1 ms, so the warning it prints on every run is noise.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
};

const here = path.dirname(fileURLToPath(import.meta.url));
const topics = JSON.parse(fs.readFileSync(path.join(here, 'topics.json'), 'utf8'));

// Dev defaults: every topic keyed, so 3 partitions give consumers room to scale to three
// instances; one broker, so replication can only be 1.
const PARTITIONS = 3;
const REPLICATION_FACTOR = 1;

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.ASSAY_KAFKA_PORT ?? '29392'}` },
    timeout: { type: 'string', default: '90' },
    // The broker we just launched: stop waiting as soon as it dies instead of timing out.
    pid: { type: 'string' },
    list: { type: 'boolean', default: false },
    // Only check that the broker answers (status checks must not change anything).
    'no-topics': { type: 'boolean', default: false },
  },
});

const brokers = args.brokers.split(',').map((b) => b.trim()).filter(Boolean);
const deadline = Date.now() + Number(args.timeout) * 1000;

const kafka = new Kafka({
  clientId: 'assay-infra',
  brokers,
  // We retry ourselves (below), so that a dead broker process can end the wait early.
  connectionTimeout: 1_000,
  requestTimeout: 10_000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

try {
  const admin = await connectWhenAnswering();
  try {
    if (!args['no-topics']) await ensureTopics(admin);
    if (args.list) {
      for (const name of (await admin.listTopics()).sort()) console.log(name);
    }
  } finally {
    await admin.disconnect();
  }
  process.exit(0);
} catch (error) {
  console.error(`kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

async function connectWhenAnswering() {
  let lastError;
  for (;;) {
    if (args.pid && !isAlive(Number(args.pid))) {
      throw new Error(`broker process ${args.pid} exited before answering`);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      // A metadata answer with a controller means the KRaft quorum has elected itself.
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1) {
        return admin;
      }
      lastError = new Error('broker answered but has no active controller yet');
    } catch (error) {
      lastError = error;
    }
    await admin.disconnect().catch(() => undefined);
    if (Date.now() > deadline) {
      throw new Error(`no answer from ${brokers.join(',')} within ${args.timeout}s: ${lastError?.message ?? lastError}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function ensureTopics(admin) {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length === 0) return;
  try {
    await createTopics(admin, missing);
  } catch (error) {
    // Another process (a parallel test run, a second up.sh) may have created them meanwhile.
    const now = new Set(await admin.listTopics());
    if (!missing.every((t) => now.has(t.name))) throw error;
    return;
  }
  console.log(`kafka: created ${missing.map((t) => t.name).join(', ')}`);
}

async function createTopics(admin, missing) {
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({
      topic: t.name,
      numPartitions: PARTITIONS,
      replicationFactor: REPLICATION_FACTOR,
      configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    })),
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited broker can linger as a zombie until PID 1 reaps it; that is not alive.
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}
