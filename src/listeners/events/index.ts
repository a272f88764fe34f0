import type { PreflightApp } from '../context.js';
import { onHomeOpened } from './home-opened.js';

/**
 * Events API listeners, one file each. The request guard lets an event type through only when it is in EVENT_TYPES
 * (src/slack/request-guard.ts); the app's manifest subscribes to it (manifest.yml).
 */
export function register(app: PreflightApp): void {
  // The App Home tab (src/services/home.ts).
  app.event('app_home_opened', onHomeOpened);
}
