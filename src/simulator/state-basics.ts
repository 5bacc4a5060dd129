/** The simulator state's shared basics: regions, client secrets, users who sign in (state.ts re-exports them). */

export type Region = 'NA' | 'EU' | 'FE';
export const REGIONS: readonly Region[] = ['NA', 'EU', 'FE'];

/** A client secret of an app; several coexist during the 7-day grace after a rotation (https://developer-docs.amazon.com/sp-api/docs/rotate-your-application-client-secret). */
export interface SimClientSecret {
  secret: string;
  issuedAt: number;
  /** After this the secret fails with invalid_client. */
  expiresAt: number;
}

/** A user who can sign in to the simulated Seller Central for a seller. */
export interface SimSellerUser {
  email: string;
  password: string;
}
