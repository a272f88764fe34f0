/**
 * The use cases' Slack port (src/slack/port.ts) against the rate-limited fake: a user group's members are read once
 * and then cached, a plan without user groups is a clear error, an App Home view is published, and a refresh Slack
 * refuses for good comes out as the port's typed error, never a Slack error code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CannotPost, GroupsUnavailable } from '../../src/services/deps.js';
import { findActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { CHANNEL, startHarness, type Harness } from '../support/harness.js';

describe('the Slack port', () => {
  let database: TestDatabase;
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await database.drop();
  });

  async function begin() {
    database = await postgresDatabase();
    h = await startHarness({ database, templatesDir: 'test/fixtures/checklists', fake: { usergroups: { S0LEADS: ['U0A', 'U0B'] } } });
    return h.bot.preflight.deps.slack;
  }

  it('reads a user group once and then answers from its cache', async () => {
    const slack = await begin();
    expect(await slack.groupMembers('S0LEADS')).toEqual(['U0A', 'U0B']);
    expect(await slack.groupMembers('S0LEADS')).toEqual(['U0A', 'U0B']);
    expect(h.fake.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('says plainly that the plan has no user groups', async () => {
    const slack = await begin();
    h.fake.failNext('usergroups.users.list', 'plan_upgrade_required');
    await expect(slack.groupMembers('S0LEADS')).rejects.toBeInstanceOf(GroupsUnavailable);
  });

  it('publishes an App Home view', async () => {
    const slack = await begin();
    await slack.publishHome('U0A', { userId: 'U0A', pending: [], assigned: [], active: [], decisions: [] });
    expect(h.fake.views().filter((v) => v.method === 'views.publish' && v.user_id === 'U0A')).toHaveLength(1);
  });

  it('turns a refusal to post in the channel into CannotPost', async () => {
    const slack = await begin();
    await h.command('start v1.50');
    await h.settle();
    const promotion = (await findActive(h.bot.db, CHANNEL, 'v1.50'))!;
    // Make the overview behind and unpostable.
    await h.bot.db.query('UPDATE promotion_messages SET ts = NULL WHERE promotion_id = $1 AND idx = 0', [promotion.id]);
    // Some seconds later, so that the post does not wait for the channel's budget (a refresh that waits resolves
    // once its state is handed to the budget, and the sweep meets the refusal).
    h.time.advance(10_000);
    h.fake.failNext('chat.postMessage', 'not_in_channel');
    const err = await slack.refresh(promotion.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CannotPost);
    expect((err as CannotPost).slackCode).toBe('not_in_channel');
  });
});
