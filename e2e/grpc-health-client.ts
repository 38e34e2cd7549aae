// A client of the standard grpc.health.v1.Health service, as a Kubernetes probe would call it.
import { credentials, makeGenericClientConstructor, type Client, type ServiceDefinition } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export interface HealthCheckResponse {
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

export class HealthClient {
  private readonly client: Client & { check: (req: { service: string }, cb: (err: Error | null, res: HealthCheckResponse) => void) => void };

  constructor(address: string) {
    const Ctor = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');
    this.client = new Ctor(address, credentials.createInsecure()) as never;
  }

  check(service: string): Promise<HealthCheckResponse> {
    return new Promise((resolve, reject) => this.client.check({ service }, (err, res) => (err ? reject(err) : resolve(res))));
  }

  close(): void {
    this.client.close();
  }
}
