/**
 * A Slack client simulator: sends requests to the app's POST /slack/events exactly as Slack does (the same bodies,
 * content types and signature headers, X-Slack-Request-Timestamp and X-Slack-Signature:
 * v0=HMAC-SHA256(secret, `v0:${ts}:${body}`)), builds them from what a given client shows, and reads what a channel
 * of the fake Slack (../fake-slack.ts) shows.
 *
 * Bodies follow Slack's payload reference: slash commands are form-encoded fields; interactivity is one form field
 * `payload=<JSON>`. The content type is exactly `application/x-www-form-urlencoded` (Bolt compares it exactly).
 *
 * The pieces: signing and posting (signing.ts), what every payload shares (wire.ts), slash commands
 * (slash-command.ts), block_actions and view_submission (interactivity.ts), checkbox toggles as a given client view
 * sends them (checkboxes.ts) and reading a channel (reading.ts). A sender from `socketSender(fake.socketMode)`
 * delivers the same bodies as Socket Mode envelopes and answers with their acks (socket-mode.ts), so a test runs on
 * either transport.
 */
export { postSigned, sign, type SignedRequestOptions, type SlackHttpResult, type SlackSender } from './signing.js';
export { fakeTriggerId, slackNowTs } from './wire.js';
export { slashCommand, slashCommandBody, type SlashCommandParams } from './slash-command.js';
export {
  blockActions,
  blockActionsPayload,
  interactivityBody,
  payloadMessage,
  postInteractivity,
  viewBlockActions,
  viewBlockActionsPayload,
  viewSubmission,
  viewSubmissionPayload,
  type BlockActionsParams,
  type SubmittedView,
  type ViewBlockActionsParams,
  type ViewSubmissionParams,
} from './interactivity.js';
export { seenAs, toggleCheckboxes } from './checkboxes.js';
export { checkboxBlocks, DEFAULT_CHANNEL, findCheckbox, promotionMessages, visibleText } from './reading.js';
export { appHomeOpened, eventEnvelope, homeBlockActions, homeBlockActionsPayload, postEvent, type HomeBlockActionsParams } from './events.js';
export { deliverOverSocket, envelopeOf, socketSender, type SocketModeLink } from './socket-mode.js';
