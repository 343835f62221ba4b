/** Types of vite-isolated.mjs (plain JavaScript so demo/serve.mjs can import it). */
import type { ViteDevServer } from 'vite';

export function browserDependencies(): string[];
export function isolatedCacheDir(label: string): { dir: string; remove: () => void };
export function whenDepsBundled(server: ViteDevServer): Promise<void>;
export function isolatedViteConfig(cacheDir: string, extra?: string[]): { cacheDir: string; optimizeDeps: { noDiscovery: true; include: string[] } };
