/**
 * How every Chromium in this repo is launched (Vitest browser mode and Playwright e2e):
 * Debian's package, never a downloaded browser. The flags stop it from calling home on a
 * closed network (background networking, component updates, sync, QUIC).
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const chromiumLaunchOptions = {
  executablePath: CHROMIUM_PATH,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};
