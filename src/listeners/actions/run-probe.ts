import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { runChecksFromClick } from '../../services/checks.js';
import type { ClickContext } from '../context.js';
import type { ProbeClick } from '../payloads.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<ClickContext<ProbeClick>>;

const receipt = (act: string, click: ProbeClick) => `${act}:${click.userId}:${click.actionTs}:${click.id}`;

/** Run check under an item: acknowledged already (resolveClick); the item shows running…, then the result. */
export async function onRunProbe({ context }: Args): Promise<void> {
  const { click, deps } = context;
  await runChecksFromClick(deps, { promotionId: click.promotionId, userId: click.userId, target: { item: click.id }, receiptKey: receipt('probe', click) });
}

/** Run all checks under a section: its probes run at once (at most the runner's cap together). */
export async function onRunProbes({ context }: Args): Promise<void> {
  const { click, deps } = context;
  await runChecksFromClick(deps, { promotionId: click.promotionId, userId: click.userId, target: { section: click.id }, receiptKey: receipt('probes', click) });
}
