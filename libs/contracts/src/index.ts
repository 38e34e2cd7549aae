export {
  RequestContext,
  ChatRequest,
  Usage,
  Outcome,
  ChatResponse,
  ChatChunk,
  ErrorDetail,
  EmbedRequest,
  EmbedResponse,
  ExchangeReply,
} from './generated/assay/v1/chat';
export { RequestCompleted, ProviderAttempt, EvalSample, EvalVerdict, ParityDecision, PriceOverride } from './generated/assay/v1/events';
export { GatewayService, GatewayClient, GatewayServer, GatewayChatRequest } from './generated/assay/v1/gateway';
export { RouterService, RouterClient, RouterServer, RouterExchangeCall } from './generated/assay/v1/router';
export { ConnectorService, ConnectorClient, ConnectorServer, ConnectorRequest, ConnectorEmbedRequest, ConnectorExchangeCall } from './generated/assay/v1/connector';
export * from './topics';
