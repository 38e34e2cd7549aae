// A client of the standard grpc.reflection.v1 service, asking what grpcurl asks before it can call
// a method it has no .proto for: which services there are, and the descriptor of the file that
// declares one.
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

type ReflectionRequest = { listServices: string } | { fileContainingSymbol: string };

interface ReflectionResponse {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

const REFLECTION_PROTO = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

export class ReflectionClient {
  private readonly client: InstanceType<ServiceClientConstructor> & {
    serverReflectionInfo(): ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
  };

  constructor(address: string) {
    const proto = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: false }));
    const Ctor = ((proto.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    this.client = new (Ctor.ServerReflection as ServiceClientConstructor)(address, credentials.createInsecure()) as never;
  }

  async listServices(): Promise<string[]> {
    const response = await this.ask({ listServices: '' });
    return response.listServicesResponse!.service.map((s) => s.name);
  }

  /** The descriptors of the file declaring `symbol` and of the files it imports. */
  async filesContaining(symbol: string): Promise<FileDescriptorProto[]> {
    const response = await this.ask({ fileContainingSymbol: symbol });
    if (response.errorResponse) throw new Error(`reflection error ${response.errorResponse.errorCode}: ${response.errorResponse.errorMessage}`);
    return response.fileDescriptorResponse!.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  }

  close(): void {
    this.client.close();
  }

  private ask(request: ReflectionRequest): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      const call = this.client.serverReflectionInfo();
      call.once('data', (response: ReflectionResponse) => {
        call.end();
        resolve(response);
      });
      call.once('error', reject);
      call.write(request);
    });
  }
}
