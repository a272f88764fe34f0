import type { App } from '@slack/bolt';
import { ACTION } from '../../ids.js';
import type { Deps } from '../../services/deps.js';
import { onChoose } from './choose.js';
import { onOpenField } from './open-field.js';
import { onOpenNa } from './open-na.js';
import { onToggle } from './toggle.js';

export function register(app: App, deps: Deps): void {
  app.action({ type: 'block_actions', action_id: ACTION.toggle }, onToggle(deps));
  app.action({ type: 'block_actions', action_id: ACTION.choose }, onChoose(deps));
  app.action({ type: 'block_actions', action_id: ACTION.openField }, onOpenField(deps));
  app.action({ type: 'block_actions', action_id: ACTION.openNa }, onOpenNa(deps));
}
