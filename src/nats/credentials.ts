/**
 * Credentials asked for at every (re)connect, so a token refreshed while the tab slept is the one the
 * reconnect presents, not the one that expired.
 * @module
 */
import { jwtAuthenticator, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator, type Auth, type Authenticator } from '@nats-io/nats-core';

/**
 * What a NATS server accepts, one of:
 * - `{ token }`: the server's `authorization { token }`;
 * - `{ user, pass }`: user and password;
 * - `{ jwt, seed }`: a user JWT (decentralized auth) and the user's nkey seed (`SU…`) that signs the nonce;
 * - `{ seed }`: an nkey user (`authorization { users: [{ nkey: U… }] }`), signing with its seed.
 */
export type NatsCredentials =
  | { readonly token: string }
  | { readonly user: string; readonly pass: string }
  | { readonly jwt: string; readonly seed: string | Uint8Array }
  | { readonly seed: string | Uint8Array };

/**
 * Returns the credentials to present now. Called by nats-core on every connect and reconnect, synchronously
 * (the NATS handshake cannot wait): keep the freshest value in memory (refresh it on a timer, on wake, or when
 * the connection state shows an authorization error) and return it from here. When it throws, the
 * credentials it returned last are presented again (the server's refusal then shows in the connection state)
 * instead of closing the connection for good, which is what nats-core does with a throwing authenticator.
 */
export type CredentialsSupplier = () => NatsCredentials;

const bytes = (seed: string | Uint8Array): Uint8Array => (typeof seed === 'string' ? new TextEncoder().encode(seed) : seed);

/** The nats-core authenticator for one set of credentials. */
function authenticatorFor(credentials: NatsCredentials): Authenticator {
  if ('token' in credentials) return tokenAuthenticator(credentials.token);
  if ('user' in credentials) return usernamePasswordAuthenticator(credentials.user, credentials.pass);
  if ('jwt' in credentials) return jwtAuthenticator(credentials.jwt, bytes(credentials.seed));
  return nkeyAuthenticator(bytes(credentials.seed));
}

/**
 * A nats-core `authenticator` that asks `supply` for the credentials at each connect. Used by `connectNats`
 * for its `credentials` option; exported for connections opened with nats-core directly (pass it as
 * `authenticator`, together with `ignoreAuthErrorAbort: true`).
 */
export function credentialsAuthenticator(supply: CredentialsSupplier): Authenticator {
  let last: NatsCredentials | undefined;
  return (nonce?: string): Auth => {
    try {
      last = supply();
    } catch {
      // keep presenting the previous credentials: the server's answer is the visible error
    }
    return last === undefined ? undefined : authenticatorFor(last)(nonce);
  };
}
