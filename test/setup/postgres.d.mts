/** Types for postgres.mjs. */
export declare const PG_URL: 'postgres://postgres@127.0.0.1:5432/test';
export declare const PG_START_FIX: string;
export declare const PG_INSTALL_FIX: string;
/** Resolves with PG_URL once PostgreSQL accepts connections; the error message names the fix. */
export declare function ensurePostgres(): Promise<string>;
