import type { RenderedMessage } from '../../blocks/checklist.js';
import { dispatchFailed, dispatchStarted } from '../../blocks/dispatch.js';
import { approvalsVoided, decisionAnnouncement } from '../../blocks/announcements.js';
import { abortNotice } from '../../blocks/replies.js';
import { probeEvidence } from '../../blocks/probes.js';
import { checkpoint, checkpointAnswered, reminder, windowScheduled } from '../../blocks/timeline.js';
import type { MessageKind, MessageOf, OutboxMessage } from '../domain/message-kinds.js';

/**
 * One renderer (a pure function in blocks/) per kind of one-off post. The mapped type makes this exhaustive: a kind
 * added to OUTBOX_MESSAGE (src/domain/message-kinds.ts) without a line here does not compile.
 */
export type MessageRenderers = { [K in MessageKind]: (message: MessageOf<K>) => RenderedMessage };

export const RENDER_MESSAGE: MessageRenderers = {
  'abort-notice': abortNotice,
  'dispatch-started': dispatchStarted,
  'dispatch-failed': dispatchFailed,
  'approvals-voided': approvalsVoided,
  'decision-announcement': decisionAnnouncement,
  'probe-evidence': probeEvidence,
  reminder,
  checkpoint,
  'checkpoint-answered': checkpointAnswered,
  'window-scheduled': windowScheduled,
};

/** What a post shows, rendered from its kind and data when it is sent (src/slack/outbox.ts). */
export function renderMessage(message: OutboxMessage): RenderedMessage {
  const render = RENDER_MESSAGE[message.kind] as (message: OutboxMessage) => RenderedMessage;
  return render(message);
}
