/**
 * Who sent an export, as authenticated by its bearer credential. `tenantId` is set for a
 * sender bound to one tenant; a gateway is trusted to name the tenant of each call.
 */
export interface SenderIdentity {
  id: string;
  tenantId: string | undefined;
  gateway: boolean;
}

/** What the receiver knows about one export beyond its spans. */
export interface ExportContext {
  /** Undefined when the export was accepted without credentials (unauthenticated mode). */
  sender: SenderIdentity | undefined;
  /** True when a credential was presented but matched no sender (unauthenticated mode only). */
  unknownCredential: boolean;
}
