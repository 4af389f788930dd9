/** How a call's owner was decided (rule order: gateway, sender, service). */
export type OwnershipSource = 'gateway' | 'sender' | 'service' | 'unallocated';

/**
 * The owner of one LLM call. Unallocated calls carry empty owner fields and a reason;
 * self-declared attributes are kept as claims and never change the owner.
 */
export interface Ownership {
  tenant: string;
  team: string;
  app: string;
  feature: string;
  environment: string;
  costCenter: string;
  businessUnit: string;
  source: OwnershipSource;
  /** Empty unless `source` is 'unallocated'. */
  unallocatedReason: string;
  senderId: string;
  /** `gateway`, `service` (any other authenticated sender) or `anonymous`. */
  senderKind: 'gateway' | 'service' | 'anonymous';
  claimedTeam: string;
  claimedTenant: string;
  claimedFeature: string;
  /** A claim contradicts the resolved owner. */
  conflict: boolean;
}
