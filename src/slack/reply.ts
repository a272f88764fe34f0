import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { z } from 'zod';
import { modalChannel } from './modal-metadata.js';

export interface PrivateMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** The parts of any incoming Slack body that say where a private answer can go. */
/** A malformed part (a payload that is not what Slack sends) is left out, so the answer goes by another. */
const replyTarget = z.object({
  // Not a web address: not used, the answer goes by the channel instead.
  response_url: z.url({ protocol: /^https?$/ }).optional().catch(undefined),
  user_id: z.string().optional().catch(undefined),
  channel_id: z.string().optional().catch(undefined),
  user: z.object({ id: z.string() }).optional().catch(undefined),
  channel: z.object({ id: z.string() }).optional().catch(undefined),
  view: z.object({ private_metadata: z.string().optional() }).optional().catch(undefined),
});

/**
 * Post an ephemeral answer through a response_url (at most 5 uses in 30 minutes, Slack's rule); with
 * `replaceOriginal` it replaces the private message the click was on instead of adding one.
 */
export async function answerByResponseUrl(url: string, message: PrivateMessage, opts: { replaceOriginal: boolean }): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: opts.replaceOriginal, ...message }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

/**
 * Answer the person behind an interaction, visible only to them: through the response_url when Slack gave
 * one (slash commands, button clicks), otherwise as an ephemeral message in the channel the modal came from,
 * otherwise as a direct message.
 */
export async function replyPrivately(client: WebClient, body: unknown, message: PrivateMessage): Promise<void> {
  const target = replyTarget.safeParse(body);
  if (!target.success) throw new Error('cannot tell where to answer this request');
  const t = target.data;
  if (t.response_url) {
    await answerByResponseUrl(t.response_url, message, { replaceOriginal: false });
    return;
  }
  const user = t.user?.id ?? t.user_id;
  if (!user) throw new Error('cannot tell who to answer');
  const channel = modalChannel(t.view?.private_metadata) ?? t.channel?.id ?? t.channel_id;
  if (channel) {
    await client.chat.postEphemeral({ channel, user, ...message });
    return;
  }
  await client.chat.postMessage({ channel: user, ...message });
}
