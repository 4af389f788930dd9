/** Envoy external authorization (gRPC and HTTP) in front of the policy's decide. */
export { extAuthzConfigSchema, type ExtAuthzConfig } from './config';
export { createExtAuthzCheck, type ExtAuthzCheck } from './check';
export { createCheckCodec, MalformedCheck, type CheckCodec } from './check-codec';
export { buildExtAuthzGrpcServer, bindExtAuthzGrpc, type ExtAuthzGrpcOptions } from './grpc-service';
export { registerExtAuthzHttp, DENY_AS_HEADER } from './http-routes';
export { readBody, type BodyFacts } from './body-estimate';
export { HEADER as EXT_AUTHZ_HEADER, verdictOf, type Verdict } from './verdict';
export { gatewayByCommonName } from './certificate-gateway';
export { registerPortkeyGuardrail, PORTKEY_PATH } from './portkey-routes';
