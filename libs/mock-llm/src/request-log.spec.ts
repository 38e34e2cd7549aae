import { RequestLog } from './request-log';

describe('RequestLog', () => {
  it('keeps only the newest entries, oldest first', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 5; i++) log.record({ method: 'POST', path: `/${i}`, headers: {}, body: undefined, at: '' });
    expect(log.list().map((r) => r.path)).toEqual(['/3', '/4', '/5']);
    log.clear();
    expect(log.list()).toEqual([]);
  });
});
