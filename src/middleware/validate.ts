/**
 * Checks payloads against a Standard Schema before the handler sees them.
 * @module
 */
import { InvalidArgumentError, ValidationError } from '../core/errors.js';
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { validate, type InferOutput, type StandardSchemaV1 } from '../core/schema.js';
import { deriveMessage } from './derived-message.js';

function checkSchema(schema: StandardSchemaV1): void {
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new InvalidArgumentError('schema must implement Standard Schema v1 (zod ≥ 3.24, valibot ≥ 1, arktype …): it has no `~standard.validate`');
  }
}

/**
 * Validates every payload with `schema` (zod, valibot, arktype … anything implementing Standard Schema).
 * Valid: the handler gets the message with the schema's output as payload (defaults, transforms applied).
 * Invalid: the message is `term`ed (never redelivered: retrying cannot fix it), the handler is not called,
 * and a `ValidationError` (code `invalid_payload`, with `issues`) is thrown so the failure is reported.
 * The payload type seen downstream is the chain's `T`; use {@link withSchema} to have it inferred.
 */
export function validatePayload(schema: StandardSchemaV1): Middleware {
  checkSchema(schema);
  return <T>(next: Handler<T>) =>
    async (message: Message<T>): Promise<unknown> => {
      let payload: T;
      try {
        payload = (await validate(schema, message.payload, message.subject)) as T;
      } catch (error) {
        if (error instanceof ValidationError && !message.settled) await message.term(error.message);
        throw error;
      }
      return next(deriveMessage(message, { payload }));
    };
}

/**
 * `handler` behind {@link validatePayload}, with its payload type inferred from `schema`. The result
 * accepts messages of any payload type, so it fits any subscription.
 */
export function withSchema<S extends StandardSchemaV1>(schema: S, handler: Handler<InferOutput<S>>): Handler<unknown> {
  return validatePayload(schema)(handler as Handler<unknown>);
}
