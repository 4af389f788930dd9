/** What reports need from the registry's ownership map, per team. */
export interface TeamFinance {
  costCenter: string;
  businessUnit: string;
  /** Decimal string, "1" when none. */
  transferMultiplier: string;
}

/** Looks up a team's finance data; undefined when the registry does not list the team. */
export type TeamDirectory = (team: string) => TeamFinance | undefined;
