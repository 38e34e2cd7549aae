export * from './event-bus';
export * from './in-process-bus';
export * from './buffered-publisher';
export * from './kafka-bus';
export * from './decode-once';
