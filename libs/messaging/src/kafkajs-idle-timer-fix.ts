// kafkajs 2.2.4 (the last release) re-arms a timer on every broker connection after each
// response, even when no request waits. Unthrottled, its delay is `-1 - Date.now()`, which Node
// runs after 1 ms, and the timer re-arms itself: every connection then wakes the event loop about
// a thousand times a second for as long as it is open (tulios/kafkajs#1751, still open; the
// proposed fixes clamp the delay and keep the loop). Measured on one idle producer: 50 ms of CPU
// per second, 3 ms with this fix. Across a cluster process's producer and consumers that was
// ~0.05 cores per process doing nothing.
//
// A check is only needed while a request waits: one that arrives is sent at once or enqueued, and
// enqueueing schedules its own check; a response or a timeout checks the queue too. So the timer
// is armed only when something is pending, which is kafkajs's own logic in every other case.

interface RequestQueueInternals {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

// A deep import on purpose: the class is not exported, and the version is pinned in package.json.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };

let applied = false;

/** Called before any Kafka client is made; applies once. */
export function applyKafkajsIdleTimerFix(): void {
  if (applied) return;
  applied = true;
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length > 0) schedule.call(this);
  };
}
