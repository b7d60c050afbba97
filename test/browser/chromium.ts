/** The browser the inspector's browser tests drive: Debian's Chromium, with flags that keep it on this machine. */
import { ensureDebianTool } from '../../harness/debian-tool.js';

export const CHROMIUM = '/usr/bin/chromium';
/** These flags keep Chromium from reaching outside hosts and let it run as root. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

/** Chromium present (installed when root), or why not. */
export const ensureChromium = (): string | null => ensureDebianTool(CHROMIUM, 'chromium');
