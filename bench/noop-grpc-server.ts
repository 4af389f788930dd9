// A gRPC server whose envoy.service.auth.v3.Authorization/Check answers every call with the
// same pre-encoded OK CheckResponse: the baseline of the ext_authz benchmark.
import * as grpc from '@grpc/grpc-js';

// CheckResponse { status: { code: 0 }, ok_response: {} }: field 1 (empty Status), field 3 (empty OkHttpResponse).
const OK = Buffer.from([0x0a, 0x00, 0x1a, 0x00]);
const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
server.addService(
  {
    Check: {
      path: '/envoy.service.auth.v3.Authorization/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  { Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, OK) },
);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ msg: 'noop grpc listening', port })}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
