import type { PolicyEngine } from '../policy-engine';
import { decideInputOf, type AskedCall } from './asked-call';
import type { ExtAuthzConfig } from './config';
import { verdictOf, type Verdict } from './verdict';

/** Decides one asked call for a gateway, through the policy engine's `decide`. */
export type ExtAuthzCheck = (call: AskedCall, gatewayId: string) => Verdict;

/** The ext_authz decision shared by the gRPC service and the HTTP mode. */
export function createExtAuthzCheck(engine: PolicyEngine, cfg: ExtAuthzConfig): ExtAuthzCheck {
  return (call, gatewayId) => {
    const input = decideInputOf(call, cfg, gatewayId);
    return verdictOf(engine.decide(input), input.requestId);
  };
}
