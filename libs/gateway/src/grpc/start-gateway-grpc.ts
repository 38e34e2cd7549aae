// Serves assay.v1.Gateway with the standard gRPC health service and server reflection, so
// grpcurl, grpc_health_probe and Kubernetes probes work against it out of the box.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { GatewayService } from '@assay/contracts';
import { startGrpcServer, type RunningGrpcServer } from '@assay/platform';
import type { IngressChat } from '../ingress-chat';
import { gatewayGrpcHandlers } from './gateway-grpc-service';

export const GATEWAY_SERVICE_NAME = 'assay.v1.Gateway';

export async function startGatewayGrpc(ingress: IngressChat, address: string): Promise<RunningGrpcServer> {
  const health = new HealthImplementation({ '': 'SERVING', [GATEWAY_SERVICE_NAME]: 'SERVING' });
  const reflection = new ReflectionService(loadSync(join(protoRoot(), 'assay/v1/gateway.proto'), { includeDirs: [protoRoot()] }));
  return startGrpcServer(address, [{ definition: GatewayService, implementation: gatewayGrpcHandlers(ingress) }], (server) => {
    health.addToServer(server);
    reflection.addToServer(server);
  });
}

/** proto/ at the repository root, found from here whether running from src or dist. */
function protoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto', 'assay', 'v1', 'gateway.proto'))) return join(dir, 'proto');
  }
  throw new Error('proto/assay/v1/gateway.proto not found above ' + __dirname);
}
