import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/** Folder of our .proto files: `<package>/proto`, both from `src/` (ts) and `dist/src/` (js). */
export function protoDir(): string {
  const fromSrc = path.resolve(__dirname, '..', '..', 'proto');
  return __dirname.includes(`${path.sep}dist${path.sep}`) ? path.resolve(__dirname, '..', '..', '..', 'proto') : fromSrc;
}

/** Loads our OTLP and google.rpc definitions into one protobufjs Root (reflection). */
export function loadOtlpRoot(): protobuf.Root {
  const dir = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
  root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'google/rpc/status.proto'], {
    keepCase: true,
  });
  root.resolveAll();
  return root;
}
