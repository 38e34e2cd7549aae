// The Kafka adapters of the event bus against the real broker: delivery, and no loss across a
// broker outage (events spilled to disk by a publisher that could not reach the broker are
// delivered by the next publisher that can).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalSample, Topics } from '@assay/contracts';
import { createKafkaPublisher, KafkaSubscriber, type BusEvent } from '@assay/messaging';
import { localInfra } from '@assay/testing';

describe('Kafka event bus', () => {
  const infra = localInfra();
  const settings = { brokers: infra.kafkaBrokers, clientId: 'e2e-bus' };
  let spillDir: string;
  let subscriber: KafkaSubscriber;
  const received = new Map<string, BusEvent>();
  let onReceive: () => void = () => undefined;

  beforeAll(async () => {
    spillDir = mkdtempSync(join(tmpdir(), 'assay-bus-'));
    subscriber = new KafkaSubscriber(settings);
    await subscriber.subscribe(`e2e-bus-${randomUUID()}`, [Topics.evalSample], async (event) => {
      received.set(event.id, event);
      onReceive();
    });
  });

  afterAll(async () => {
    await subscriber.close();
    rmSync(spillDir, { recursive: true, force: true });
  });

  function arrived(ids: string[]): Promise<void> {
    return new Promise((resolve) => {
      onReceive = () => ids.every((id) => received.has(id)) && resolve();
      onReceive();
    });
  }

  function event(): BusEvent {
    const id = randomUUID();
    // A well-formed sample of a tenant without a parity policy: evaluators reading the same topic skip it.
    const sample = EvalSample.encode({ eventId: id, context: { requestId: id, tenantId: 'bus-test-tenant', teamId: '', keyId: '', endUser: '', tags: {}, promptType: 'bus-test', deadlineMs: 0 }, promptType: 'bus-test', requestBody: Buffer.from('{}'), servedModel: '', servedMessage: Buffer.from('null'), baselineModel: '', atMs: 0, candidateOutputInvalid: false, invalidCandidate: '' }).finish();
    return { topic: Topics.evalSample, key: 'bus-test-tenant', id, value: sample };
  }

  it('delivers published events with their ids and payloads', async () => {
    const publisher = createKafkaPublisher(settings, { spillDir: join(spillDir, 'ok') });
    const events = Array.from({ length: 20 }, event);
    events.forEach((e) => publisher.publish(e));
    await publisher.flush();
    await arrived(events.map((e) => e.id));
    expect(EvalSample.decode(received.get(events[7].id)!.value).eventId).toBe(events[7].id);
    await publisher.close();
  });

  it('loses nothing when the broker is unreachable: spilled events arrive after recovery', async () => {
    const dir = join(spillDir, 'outage');
    const cutOff = createKafkaPublisher({ ...settings, brokers: ['127.0.0.1:1'] }, { spillDir: dir, closeTimeoutMs: 500 });
    const events = Array.from({ length: 5 }, event);
    events.forEach((e) => cutOff.publish(e));
    await cutOff.close();
    expect(events.some((e) => received.has(e.id))).toBe(false);

    const recovered = createKafkaPublisher(settings, { spillDir: dir });
    await recovered.flush();
    await arrived(events.map((e) => e.id));
    await recovered.close();
  });
});
