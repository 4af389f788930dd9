import { hashToken } from '../../src/ownership';
import { registryFile, startTestService, type TestService } from './test-service';

/**
 * A service owning everything for tenant chat (team assistant, app chat-api, feature chat):
 * each sender in `senders` sends for chat with token `tok-<sender>`, and `gateway`
 * (`tok-gateway`) is a gateway. Unauthenticated senders are refused.
 */
export async function startChatService(senders: readonly string[]): Promise<{ svc: TestService; otlp: string }> {
  const lines = senders.map((s) => `  - { id: ${s}, token: "${hashToken(`tok-${s}`)}", tenant: chat }`);
  const registry = registryFile(`
tenants:
  - { id: chat, team: assistant, app: chat-api, feature: chat }
senders:
${lines.join('\n')}
  - { id: gateway, token: "${hashToken('tok-gateway')}", gateway: true }
`);
  const svc = await startTestService({ ownership: { registry, allowUnauthenticated: false } });
  return { svc, otlp: `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces` };
}
