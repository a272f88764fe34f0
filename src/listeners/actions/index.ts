import { ACTION } from '../../ids.js';
import type { PreflightApp } from '../context.js';
import { resolveClick } from '../middleware.js';
import { parseCheckboxClick, parseChoiceClick, parseRefButtonClick } from '../payloads.js';
import { onChoose } from './choose.js';
import { onOpenField } from './open-field.js';
import { onOpenNa } from './open-na.js';
import { onStartWithTemplate } from './start-with-template.js';
import { onToggle } from './toggle.js';

/**
 * Every click: its action id, the middleware that acknowledges it and resolves what it is about (which parser,
 * which act the person needs the right for), and its listener.
 */
export function register(app: PreflightApp): void {
  app.action({ type: 'block_actions', action_id: ACTION.toggle }, resolveClick(parseCheckboxClick, 'tick'), onToggle);
  app.action({ type: 'block_actions', action_id: ACTION.choose }, resolveClick(parseChoiceClick, 'choose'), onChoose);
  app.action({ type: 'block_actions', action_id: ACTION.openField }, resolveClick(parseRefButtonClick, 'fill'), onOpenField);
  app.action({ type: 'block_actions', action_id: ACTION.openNa }, resolveClick(parseRefButtonClick, 'mark-not-applicable'), onOpenNa);
  app.action({ type: 'block_actions', action_id: ACTION.startWithTemplate }, onStartWithTemplate);
}
