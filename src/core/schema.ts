/**
 * Validation through Standard Schema (https://standardschema.dev): zod, valibot, arktype and others
 * implement it, so isoflux validates with any of them without depending on one.
 * @module
 */
import { ValidationError, type SchemaIssue } from './errors.js';

/** The Standard Schema v1 interface (types only, as the spec asks libraries to inline them). */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<SchemaIssue> };

/** The output type of a Standard Schema. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/** Validates `value`; resolves with the schema's output or rejects with a {@link ValidationError}. */
export async function validate<S extends StandardSchemaV1>(schema: S, value: unknown, subject: string): Promise<InferOutput<S>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues !== undefined) throw new ValidationError(subject, result.issues);
  return result.value as InferOutput<S>;
}
