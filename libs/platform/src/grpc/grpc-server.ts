import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { grpcChannelOptions } from './grpc-chat-port';

export interface GrpcService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** Shutting down: end long-lived streams once the calls on them are answered. */
  drain?(): void;
}

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

export async function startGrpcServer(
  address: string,
  services: GrpcService[],
  /** For services registered their own way (health, reflection). */
  addMore: (server: Server) => void = () => undefined,
): Promise<RunningGrpcServer> {
  const server = new Server(grpcChannelOptions);
  for (const s of services) server.addService(s.definition, s.implementation);
  addMore(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Give in-flight calls a moment to finish, then force.
        const force = setTimeout(() => server.forceShutdown(), 2000);
        for (const s of services) s.drain?.();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
