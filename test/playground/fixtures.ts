/** Shared by the playground tests: a WebClient on the fake Slack, and a checklist message's blocks. */
import { WebClient } from '@slack/web-api';
import type { FakeSlack } from '../../src/playground/fake-slack.js';

export const TOKEN = 'xoxb-fake-token';

export function client(fake: FakeSlack, token: string | null = TOKEN): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
}

export function checklistBlocks(checked: string[]) {
  const options = ['a', 'b', 'c'].map((v) => ({ text: { type: 'mrkdwn', text: `Step ${v}` }, value: v }));
  const element: Record<string, unknown> = { type: 'checkboxes', action_id: 'toggle', options };
  const initial = options.filter((o) => checked.includes(o.value));
  if (initial.length > 0) element.initial_options = initial;
  return [
    { type: 'header', block_id: 'title', text: { type: 'plain_text', text: 'Promote api' } },
    { type: 'actions', block_id: 'section-1', elements: [element] },
  ];
}
