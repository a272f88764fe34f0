import type { RoleMembers } from '../domain/approvals.js';
import { concernedBy, homeOf, type Home, type HomeSource } from '../domain/home.js';
import type { Promotion } from '../domain/promotion.js';
import { markHomePublished, markHomesStale, recordHomeOpened, staleHomes, whoOpenedHome } from '../store/homes.js';
import { getPromotion, listActiveInTeam, listEndedInTeam, loadView } from '../store/promotions.js';
import type { Deps } from './deps.js';

/**
 * App Home: what one person is asked to approve, the active promotions they are part of and recent decisions
 * (src/domain/home.ts), published with `deps.slack.publishHome` (views.publish, on the port's Tier 4 budget), which
 * renders it (blocks/home.ts).
 *
 * When it is published: when the person opens their Home tab (the `app_home_opened` event), which also records that
 * they did (`home_views`, migration 010); and after each change that alters what Homes show (an approval, a rejection
 * or its withdrawal, GO, NO-GO, completion, an abort, a start), for the people that promotion concerns who have opened
 * their Home, never every user of the workspace. A change that voids approvals marks the voided approvers' Homes stale
 * inside its transaction (it has no Slack to call there); so does a publish Slack refused: the `publish-stale-homes`
 * job publishes those.
 */

/** At most this many active promotions of a workspace are read for a Home. */
const ACTIVE_READ = 100;
/** Decisions of promotions that ended this recently are shown... */
const RECENT_MS = 14 * 24 * 60 * 60_000;
/** ...of at most this many of them. */
const ENDED_READ = 30;
/** Stale Homes published per run of the job. */
const STALE_BATCH = 50;

/**
 * Who holds each role of a promotion now: the users named, and the members of its groups read through the port
 * (cached). A group that cannot be read counts as empty here: Home shows less, and a click still checks for real.
 */
async function membersOf(deps: Deps, promotion: Promotion, groups: Map<string, Promise<ReadonlySet<string>>>): Promise<Map<string, RoleMembers>> {
  const members = new Map<string, RoleMembers>();
  for (const [role, spec] of Object.entries(promotion.template.roles)) {
    const resolved = new Map<string, ReadonlySet<string>>();
    for (const g of spec.groups) {
      if (!groups.has(g)) {
        groups.set(
          g,
          deps.slack.groupMembers(g).then(
            (users) => new Set(users),
            (err: unknown) => {
              deps.log.warn({ err, groupId: g }, 'App Home: a user group could not be read; its members are left out');
              return new Set<string>();
            },
          ),
        );
      }
      resolved.set(g, await groups.get(g)!);
    }
    members.set(role, { users: new Set(spec.users), groups: resolved });
  }
  return members;
}

async function sourcesOf(deps: Deps, promotions: readonly Promotion[], groups = new Map<string, Promise<ReadonlySet<string>>>()): Promise<HomeSource[]> {
  const sources: HomeSource[] = [];
  for (const p of promotions) {
    const view = await loadView(deps.db, p.id);
    if (view) sources.push({ view, members: await membersOf(deps, view.promotion, groups) });
  }
  return sources;
}

/** The Homes of these people of one workspace, read once for all of them. */
export async function homesFor(deps: Deps, teamId: string | null, userIds: readonly string[]): Promise<Map<string, Home>> {
  const homes = new Map<string, Home>();
  if (userIds.length === 0) return homes;
  const now = deps.clock();
  const active = await listActiveInTeam(deps.db, teamId, ACTIVE_READ);
  const ended = await listEndedInTeam(deps.db, teamId, new Date(now.getTime() - RECENT_MS), ENDED_READ);
  const sources = await sourcesOf(deps, [...active, ...ended]);
  for (const userId of new Set(userIds)) homes.set(userId, homeOf(userId, sources));
  return homes;
}

/**
 * Publish these people's Homes. A Home Slack did not take is marked stale, for the job to publish again; a failure
 * is logged, never thrown: Home follows the change, it never undoes or fails it.
 */
export async function publishHomes(deps: Deps, teamId: string | null, userIds: readonly string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  let published = 0;
  try {
    const readAt = deps.clock();
    const homes = await homesFor(deps, teamId, userIds);
    for (const [userId, home] of homes) {
      try {
        await deps.slack.publishHome(userId, home);
        await markHomePublished(deps.db, teamId, userId, readAt, deps.clock());
        published++;
      } catch (err) {
        deps.log.warn({ err, userId }, 'App Home not published; it is published again shortly');
        await markHomesStale(deps.db, teamId, [userId], readAt).catch(() => undefined);
      }
    }
  } catch (err) {
    deps.log.warn({ err, teamId }, 'App Home: could not read what to show; the Homes are published again shortly');
    await markHomesStale(deps.db, teamId, userIds, deps.clock()).catch(() => undefined);
  }
  return published;
}

/** `app_home_opened`: remember that this person looks at their Home, and publish it. */
export async function homeOpened(deps: Deps, teamId: string | null, userId: string): Promise<void> {
  await recordHomeOpened(deps.db, teamId, userId, deps.clock());
  await publishHomes(deps, teamId, [userId]);
}

/**
 * After a change to a promotion (called once it is committed): publish again the Homes of the people it concerns
 * (who started it, its roles' members, whoever decided on it) who have opened their Home. Never throws.
 */
export async function refreshHomesOf(deps: Deps, promotionId: string): Promise<void> {
  try {
    const promotion = await getPromotion(deps.db, promotionId);
    if (!promotion) return;
    const [source] = await sourcesOf(deps, [promotion]);
    if (!source) return;
    const opened = await whoOpenedHome(deps.db, promotion.teamId, [...concernedBy(source)]);
    await publishHomes(deps, promotion.teamId, opened);
  } catch (err) {
    deps.log.warn({ err, promotionId }, 'App Home: could not find whose Homes to publish after a change');
  }
}

/** The `publish-stale-homes` job: publish the Homes marked stale (a voided approval, a publish Slack refused). */
export async function publishStaleHomes(deps: Deps): Promise<number> {
  const stale = await staleHomes(deps.db, STALE_BATCH);
  const byTeam = new Map<string, string[]>();
  for (const s of stale) byTeam.set(s.teamId, [...(byTeam.get(s.teamId) ?? []), s.userId]);
  let published = 0;
  for (const [teamId, users] of byTeam) published += await publishHomes(deps, teamId === '' ? null : teamId, users);
  return published;
}
