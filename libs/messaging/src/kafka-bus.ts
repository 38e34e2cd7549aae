// Kafka adapters of the bus port (kafkajs). The producer is idempotent (acks=all) and sits behind
// BufferedPublisher; the consumer commits an offset only after its handler succeeded.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { Logger } from '@assay/platform';
import { BufferedPublisher, type BatchSender, type BufferedPublisherOptions } from './buffered-publisher';
import { applyKafkajsIdleTimerFix } from './kafkajs-idle-timer-fix';
import type { BatchHandler, BusEvent, EventHandler, EventSubscriber } from './event-bus';
import type { KafkaMessage } from 'kafkajs';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

export const EVENT_ID_HEADER = 'assay-event-id';

export function createKafka(settings: KafkaSettings): Kafka {
  applyKafkajsIdleTimerFix();
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.NOTHING,
    // Short, so a missing broker surfaces fast and the publisher's own backoff takes over.
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

class KafkaBatchSender implements BatchSender {
  private producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = null));
  }

  async send(events: BusEvent[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((err) => {
      this.connected = null;
      throw err;
    });
    await this.connected;
    const byTopic = new Map<string, BusEvent[]>();
    for (const e of events) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((e) => ({ key: e.key, value: Buffer.from(e.value), headers: { [EVENT_ID_HEADER]: e.id } })),
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

export function createKafkaPublisher(settings: KafkaSettings, options: BufferedPublisherOptions): BufferedPublisher {
  return new BufferedPublisher(new KafkaBatchSender(createKafka(settings)), options);
}

/**
 * Fetch settings of batch subscriptions (usage, billing): the broker answers a fetch once 16 KiB
 * are waiting or 100 ms have passed, instead of as soon as one event is there. At a few hundred
 * requests a second that makes a batch (one database commit, one offset commit) per ~100 ms
 * rather than per few events; 100 ms is nothing to a usage record and keeps the broker, the
 * consumer and the database off the cores the requests need. Compacted tables and per-event
 * subscriptions (decisions, prices, samples) keep the default: they want each event at once.
 */
const BATCHED_FETCH = { minBytes: 16 * 1024, maxWaitTimeInMs: 100 };

export class KafkaSubscriber implements EventSubscriber {
  private readonly consumers: Consumer[] = [];
  private readonly kafka: Kafka;
  private readonly log = new Logger('kafka-subscriber');

  constructor(settings: KafkaSettings) {
    this.kafka = createKafka(settings);
  }

  async subscribe(groupId: string, topics: string[], handler: EventHandler): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, retry: { retries: 10 } });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const id = message.headers?.[EVENT_ID_HEADER]?.toString();
        if (!id || !message.value) {
          this.log.error('skipping event without id or value', { topic, offset: message.offset });
          return;
        }
        try {
          await handler({ topic, key: message.key?.toString() ?? '', id, value: message.value });
        } catch (err) {
          // kafkajs redelivers the message; say so, or a message that keeps failing stalls silently.
          this.log.error('event handler failed; the event will be redelivered', { groupId, topic, offset: message.offset, error: String(err) });
          throw err;
        }
      },
    });
  }

  /**
   * Hands each fetched batch to the handler at once and commits its offsets only after the
   * handler succeeded; a failure makes kafkajs fetch the same messages again.
   */
  async subscribeBatch(groupId: string, topics: string[], handler: BatchHandler): Promise<void> {
    await this.runBatches(groupId, topics, handler, () => undefined, BATCHED_FETCH);
  }

  /**
   * Notes each partition's end offset first, then reads from the beginning in a fresh group and
   * resolves once every partition has been handled up to that end. The last message of a
   * partition is never compacted away (the active segment is not cleaned), so reaching it is a
   * reliable sign of being caught up.
   */
  async subscribeCompacted(groupPrefix: string, topic: string, handler: BatchHandler): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: string; low: string }>;
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    // Partition → offset of its last message when we started; empty partitions are caught up already.
    const behind = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    if (behind.size === 0) caughtUp();
    await this.runBatches(`${groupPrefix}-${randomUUID()}`, [topic], handler, (partition, offset) => {
      const last = behind.get(partition);
      if (last === undefined || BigInt(offset) < last) return;
      behind.delete(partition);
      if (behind.size === 0) caughtUp();
    });
    await done;
  }

  private async runBatches(
    groupId: string,
    topics: string[],
    handler: BatchHandler,
    onHandled: (partition: number, lastOffset: string) => void,
    fetch: { minBytes?: number; maxWaitTimeInMs?: number } = {},
  ): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, retry: { retries: 10 }, ...fetch });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const events = batch.messages.flatMap((m) => this.toEvent(batch.topic, m));
        try {
          if (events.length > 0) await handler(events);
        } catch (err) {
          // kafkajs redelivers the batch; say so, or a batch that keeps failing stalls silently.
          this.log.error('batch handler failed; the batch will be redelivered', { groupId, topic: batch.topic, partition: batch.partition, events: events.length, error: String(err) });
          throw err;
        }
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        onHandled(batch.partition, last);
        await heartbeat();
      },
    });
  }

  private toEvent(topic: string, message: KafkaMessage): BusEvent[] {
    const id = message.headers?.[EVENT_ID_HEADER]?.toString();
    if (!id || !message.value) {
      this.log.error('skipping event without id or value', { topic, offset: message.offset });
      return [];
    }
    return [{ topic, key: message.key?.toString() ?? '', id, value: message.value }];
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
  }
}
