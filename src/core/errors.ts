/**
 * Error classes with a stable `code`. Match on `code` (or `instanceof`), never on the message:
 * messages say what to do and may be reworded.
 * @module
 */

/** Every stable error code isoflux throws. */
export type ErrorCode =
  | 'invalid_subject'
  | 'invalid_argument'
  | 'payload_too_large'
  | 'not_serializable'
  | 'decode_failed'
  | 'invalid_payload'
  | 'closed'
  | 'timeout'
  | 'aborted'
  | 'no_responders'
  | 'remote_error'
  | 'handler_failed'
  | 'slow_consumer'
  | 'dropped'
  | 'forbidden'
  | 'storage_quota'
  | 'connection_failed'
  | 'unsupported'
  | 'version_mismatch';

/** Options every isoflux error accepts. */
export interface IsofluxErrorOptions {
  /** The underlying error, kept so nothing is lost when an error crosses a layer. */
  cause?: unknown;
}

/** Base class of every error isoflux throws; `code` is stable across versions. */
export class IsofluxError extends Error {
  /** Stable, machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: IsofluxErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A subject or pattern breaks NATS subject syntax, or a wildcard was used where a literal subject is required. */
export class InvalidSubjectError extends IsofluxError {
  constructor(readonly subject: string, reason: string) {
    super('invalid_subject', `Invalid subject ${JSON.stringify(subject)}: ${reason}`);
  }
}

/** An option or argument has a value that cannot work (a negative buffer size, an unknown policy …). */
export class InvalidArgumentError extends IsofluxError {
  /**
   * @param message What is wrong, naming the option.
   * @param option The option or argument at fault (`requestTimeoutMs`, `signal` …), when it is one.
   */
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super('invalid_argument', message);
  }
}

/** The encoded payload is larger than the transport accepts. Nothing was sent. */
export class PayloadTooLargeError extends IsofluxError {
  constructor(readonly size: number, readonly limit: number, where: string) {
    super(
      'payload_too_large',
      `Payload of ${size} bytes exceeds the ${limit}-byte limit of ${where}. Send a reference (an id or URL) instead, or raise the limit.`,
    );
  }
}

/** The payload cannot be encoded (a function, a cycle for JSON, a BigInt …). Nothing was sent. */
export class NotSerializableError extends IsofluxError {
  constructor(what: string, options?: IsofluxErrorOptions) {
    super('not_serializable', `Payload cannot be serialized with ${what}: pass plain data (no functions, class instances with methods, or cycles for JSON).`, options);
  }
}

/** Received bytes could not be decoded by the subscription's codec. The message is not handed to the handler. */
export class DecodeError extends IsofluxError {
  constructor(readonly subject: string, codec: string, options?: IsofluxErrorOptions) {
    super('decode_failed', `Message on ${JSON.stringify(subject)} could not be decoded as ${codec}; check that publisher and subscriber use the same codec.`, options);
  }
}

/** One issue reported by a Standard Schema validator. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** A payload failed schema validation. `issues` lists what is wrong. */
export class ValidationError extends IsofluxError {
  constructor(readonly subject: string, readonly issues: ReadonlyArray<SchemaIssue>) {
    super('invalid_payload', `Payload on ${JSON.stringify(subject)} failed validation: ${issues.map(formatIssue).join('; ')}`);
  }
}

function formatIssue(issue: SchemaIssue): string {
  const path = issue.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The bus, connection or subscription is closed. Create a new one; a closed one never reopens. */
export class ClosedError extends IsofluxError {
  constructor(what: string) {
    super('closed', `${what} is closed; create a new one.`);
  }
}

/** An operation did not finish in time. */
export class TimeoutError extends IsofluxError {
  constructor(what: string, readonly timeoutMs: number) {
    super('timeout', `${what} timed out after ${timeoutMs} ms.`);
  }
}

/** The caller's AbortSignal aborted the operation. `cause` is the signal's reason. */
export class AbortedError extends IsofluxError {
  constructor(what: string, reason?: unknown) {
    super('aborted', `${what} was aborted.`, { cause: reason });
  }
}

/** A request found no subscriber on its subject: nobody is listening (as opposed to a slow responder). */
export class NoRespondersError extends IsofluxError {
  constructor(readonly subject: string) {
    super('no_responders', `No responders on ${JSON.stringify(subject)}: start a responder first, or check the subject.`);
  }
}

/** A responder threw; its error code and message travel back to the requester. */
export class RemoteError extends IsofluxError {
  constructor(readonly subject: string, readonly remoteCode: string, remoteMessage: string) {
    super('remote_error', `Responder on ${JSON.stringify(subject)} failed (${remoteCode}): ${remoteMessage}`);
  }
}

/** One or more handlers threw while a caller waited for them (e.g. `publish(…, { untilHandled: true })`). */
export class HandlerError extends IsofluxError {
  constructor(readonly subject: string, readonly errors: ReadonlyArray<unknown>) {
    super('handler_failed', `${errors.length} handler(s) failed on ${JSON.stringify(subject)}; see \`errors\`.`, { cause: errors[0] });
  }
}

/** A subscriber fell too far behind and was disconnected by its overflow policy. */
export class SlowConsumerError extends IsofluxError {
  constructor(readonly pattern: string, readonly drops: number) {
    super('slow_consumer', `Subscription ${JSON.stringify(pattern)} was disconnected after ${drops} consecutive drops: raise bufferSize, speed up the handler, or choose another overflow policy.`);
  }
}

/** The other side refused this caller (an HTTP handler's `allowedOrigins`, a server's permissions). */
export class ForbiddenError extends IsofluxError {
  constructor(readonly subject: string, readonly reason: string) {
    super('forbidden', `Not allowed on ${JSON.stringify(subject)}: ${reason}. Check the caller's origin or permissions on the server side.`);
  }
}

/** A message a caller waited for (`untilHandled`) was dropped by a subscription's overflow policy, unhandled. */
export class DroppedError extends IsofluxError {
  constructor(readonly subject: string, readonly pattern: string, readonly policy: string) {
    super('dropped', `Message on ${JSON.stringify(subject)} was dropped unhandled by subscription ${JSON.stringify(pattern)} (overflow policy ${policy}, buffer full): raise bufferSize, or use the block policy so publishers wait.`);
  }
}

/** The runtime lacks what a transport needs (no WebSocket, no BroadcastChannel …), or a form cannot be supported. */
export class UnsupportedError extends IsofluxError {
  constructor(message: string) {
    super('unsupported', message);
  }
}

/** A connection to a server could not be opened (refused, bad URL, handshake timeout, auth). */
export class ConnectionFailedError extends IsofluxError {
  constructor(readonly url: string, hint: string, options?: IsofluxErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('connection_failed', `Could not connect to ${url}${reason}. ${hint}`, options);
  }
}

/** Writing to durable storage failed because the storage is full. Entries stored before are intact. */
export class StorageQuotaError extends IsofluxError {
  constructor(what: string, options?: IsofluxErrorOptions) {
    super('storage_quota', `${what}: storage quota exceeded. Free space (drain or discard entries) or ask for persistent storage (navigator.storage.persist()).`, options);
  }
}

/** True when `error` is an isoflux error, optionally with the given code. */
export function isIsofluxError(error: unknown, code?: ErrorCode): error is IsofluxError {
  return error instanceof IsofluxError && (code === undefined || error.code === code);
}
