import { applyKafkajsIdleTimerFix } from './kafkajs-idle-timer-fix';

// kafkajs's own queue class, driven the way its Connection drives it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  push(request: object): void;
  checkPendingRequests(): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
};

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(maxInFlightRequests: number | null = null) {
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger: quiet });
}

function request(correlationId: number) {
  const sendRequest = jest.fn();
  return { sendRequest, pushed: { entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 3, resolve: () => undefined, reject: () => undefined }, expectResponse: true, sendRequest } };
}

describe('kafkajs idle timer fix', () => {
  beforeAll(() => applyKafkajsIdleTimerFix());
  afterEach(() => jest.useRealTimers());

  it('arms no timer on a connection where nothing waits', () => {
    const q = queue();
    const a = request(1);
    q.push(a.pushed);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    q.checkPendingRequests();
    expect(a.sendRequest).toHaveBeenCalledTimes(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request that waited out a broker throttle when the throttle ends', () => {
    jest.useFakeTimers();
    const q = queue();
    q.throttledUntil = Date.now() + 50;
    const a = request(1);
    q.push(a.pushed);
    expect(a.sendRequest).not.toHaveBeenCalled();
    jest.advanceTimersByTime(50);
    expect(a.sendRequest).toHaveBeenCalledTimes(1);
    q.destroy();
  });

  it('sends a request that waited for an in-flight slot once the answer before it arrives', () => {
    const q = queue(1);
    const [a, b] = [request(1), request(2)];
    q.push(a.pushed);
    q.push(b.pushed);
    expect(b.sendRequest).not.toHaveBeenCalled();
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(b.sendRequest).toHaveBeenCalledTimes(1);
    q.destroy();
  });
});
