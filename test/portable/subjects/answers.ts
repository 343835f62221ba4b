/**
 * What a real nats-server answered about the first {@link SAMPLE_SIZE} strings of the subject corpus, kept in
 * server-answers.json so every transport in every runtime can be held to it (the conformance suite), and kept
 * true by test/node/subject-differential.test.ts, which asks the server again on every run.
 */
import stored from './server-answers.json' with { type: 'json' };

/** How many corpus strings (server test cases first) the stored answers cover. */
export const SAMPLE_SIZE = 240;

/** The stored answers: per string, publish/subscribe accepted, and the `[pattern, subject]` pairs delivered. */
export interface SubjectAnswers {
  readonly server: string;
  readonly strings: readonly string[];
  readonly publish: readonly boolean[];
  readonly subscribe: readonly boolean[];
  readonly matches: ReadonlyArray<readonly [number, number]>;
}

/** The stored answers of the server (see the module notes). */
export const serverAnswers = stored as unknown as SubjectAnswers;
