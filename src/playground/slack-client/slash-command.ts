/** Slash commands: form-encoded fields, in the order Slack sends them. */
import { postSigned, type SignedRequestOptions, type SlackHttpResult, type SlackSender } from './signing.js';
import { channelNameFor, DEFAULT_APP, DEFAULT_DOMAIN, DEFAULT_TEAM, DEFAULT_TOKEN, fakeTriggerId, FORM } from './wire.js';

export interface SlashCommandParams {
  /** Default /promote. */
  command?: string;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  responseUrl: string;
  triggerId?: string;
}

/** The form body of a slash command, fields in the order Slack sends them. */
export function slashCommandBody(s: SlackSender, p: SlashCommandParams): string {
  return new URLSearchParams([
    ['token', s.verificationToken ?? DEFAULT_TOKEN],
    ['team_id', s.teamId ?? DEFAULT_TEAM],
    ['team_domain', s.teamDomain ?? DEFAULT_DOMAIN],
    ['channel_id', p.channelId],
    ['channel_name', p.channelName ?? channelNameFor(p.channelId)],
    ['user_id', p.userId],
    ['user_name', p.userName ?? p.userId.toLowerCase()],
    ['command', p.command ?? '/promote'],
    ['text', p.text],
    ['api_app_id', s.appId ?? DEFAULT_APP],
    ['is_enterprise_install', 'false'],
    ['response_url', p.responseUrl],
    ['trigger_id', p.triggerId ?? fakeTriggerId()],
  ]).toString();
}

export async function slashCommand(
  s: SlackSender,
  p: SlashCommandParams,
  opts?: SignedRequestOptions,
): Promise<SlackHttpResult> {
  return postSigned(s, slashCommandBody(s, p), FORM, opts);
}
