/**
 * A failed workflow dispatch, shown in the thread with a Retry button (blocks/dispatch.ts, through the outbox), and the
 * Retry click through a signed request: the dispatch is requeued once however often it is clicked, and the person is
 * answered privately. (The dispatch itself, against a loopback GitHub API: test/github/dispatch.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/ids.js';
import { enqueueDispatch, getDispatch } from '../../src/store/dispatches.js';
import { harnessForSuite } from '../support/suite.js';
import { CHANNEL, type Harness } from '../support/harness.js';

describe('Retry under a failed workflow dispatch', () => {
  let h: Harness;
  harnessForSuite((harness) => (h = harness), { scheduler: false });

  it('requeues the dispatch once, and says so privately to whoever clicks', async () => {
    const db = h.bot.db;
    const key = 'go-dispatch:retry-e2e:1';
    await enqueueDispatch(
      db,
      { key, channelId: CHANNEL, release: 'v1.50', repo: 'acme/platform', workflow: 'promote.yml', ref: 'main', inputs: { confirm: 'PROMOTE' } },
      new Date(),
    );
    // As the dispatcher leaves it after GitHub's 422, with its notice enqueued in the same change.
    await db.query(`UPDATE workflow_dispatches SET state = 'failed', attempts = 1, last_error = $2 WHERE key = $1`, [key, 'GitHub answered 422: Unexpected inputs provided: ["sha"]']);
    const { THREAD_NOTICES } = await import('../../src/github/dispatch.js');
    const noticeKey = await db.tx(async (q) => THREAD_NOTICES.onFailed(q, (await getDispatch(q, key))!, new Date()));
    expect(await h.bot.preflight.publisher.outbox.send(noticeKey as string)).toBe('posted');

    const notice = h.fake.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? []).includes(ACTION.retryDispatch))!;
    expect(notice.text).toContain('could not start promote.yml in acme/platform: GitHub answered 422');
    const button = (notice.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>).find((b) => b.type === 'actions')!.elements![0]!;
    expect(button).toMatchObject({ action_id: ACTION.retryDispatch, value: key });

    const before = h.fake.responses().length;
    expect((await h.click('U0ALICE', notice, button)).status).toBe(200);
    await h.settle();
    expect((await getDispatch(db, key))!.state).toBe('pending');
    // Clicked again before the sweep sent it: nothing more, and said so.
    expect((await h.click('U0BOB', notice, button)).status).toBe(200);
    await h.settle();
    const answers = h.fake.responses().slice(before).map((r) => (r.body as { text?: string; response_type?: string }));
    expect(answers.map((a) => a.response_type)).toEqual(['ephemeral', 'ephemeral']);
    expect(answers[0]!.text).toContain('Retrying `promote.yml` for *v1.50*');
    expect(answers[1]!.text).toContain('is being dispatched already');
    expect((await db.query<{ retried_by: string }>(`SELECT retried_by FROM workflow_dispatches WHERE key = $1`, [key])).rows[0]!.retried_by).toBe('U0ALICE');
  });
});
