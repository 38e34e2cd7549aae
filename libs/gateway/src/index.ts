export * from './chat-request-validation';
export * from './ingress-chat';
export * from './rest/rest-api.module';
export * from './rest/start-rest-api';
export * from './rest/openai-error.filter';
export * from './grpc/gateway-grpc-service';
export * from './grpc/start-gateway-grpc';
