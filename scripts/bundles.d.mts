/** Types of scripts/bundles.mjs (for vite.config.ts and the packaging test). */
export declare const SCRIPT_BUILDS: Record<string, readonly string[]>;
export declare const SIZE_BUDGETS: Record<string, { own?: number; withDeps?: number }>;
