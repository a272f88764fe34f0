/**
 * Slack's Web API rate limits, as the fake enforces them: one token bucket per workspace and method (Slack counts
 * "per API method per app per workspace"), plus one per channel for chat.postMessage (about one message a second,
 * short bursts allowed). A bucket holds up to `burst` calls and refills at `perMinute`, continuously, on the fake's
 * clock; a call spends one token. A call that finds a bucket empty is refused the way Slack refuses it: HTTP 429,
 * `Retry-After: <whole seconds until a token is back, at least 1>`, body `{"ok":false,"error":"ratelimited"}`.
 * A refused call spends nothing; a call Slack accepts and then answers with an error (`invalid_blocks`, ...) spent its
 * token, as on Slack.
 *
 * The tiers (from each method's reference page, docs.slack.dev/reference/methods/<method>): Tier 2 is 20+ a minute,
 * Tier 3 50+, Tier 4 100+, each "with bursts"; Slack publishes no burst sizes, so the `burst` values below are ours.
 * chat.postMessage's workspace-wide limit is not published either: DEFAULT_RATE_LIMITS makes it generous.
 *
 * WHERE THE DEFAULT IS CHOSEN: `RATE_LIMITS_ON_BY_DEFAULT` below. A fake started without a `rateLimits` option
 * enforces DEFAULT_RATE_LIMITS when it is true, nothing when it is false.
 */
import type { FakeSlackState } from './state.js';

/** A token bucket: up to `burst` calls at once, refilled at `perMinute` calls a minute. */
export interface TokenBucketLimit {
  perMinute: number;
  burst: number;
}

export interface RateLimitConfig {
  /**
   * Per workspace, per method. A method not named here (or set to false) is not limited: auth.test and
   * chat.getPermalink are in Slack's "special" tier, generous enough that the fake does not count them.
   * For chat.postMessage this is its workspace-wide limit; `postMessagePerChannel` is applied on top.
   */
  methods: Record<string, TokenBucketLimit | false>;
  /** chat.postMessage per channel (Slack: about 1 per second, short bursts allowed); false: no per-channel limit. */
  postMessagePerChannel: TokenBucketLimit | false;
}

/**
 * On: the bot's publisher spends a rate budget (issue 7, src/slack/rate-budget.ts), so the end-to-end suite runs
 * against Slack's limits. A test that needs unlimited calls passes `rateLimits: false`.
 */
export const RATE_LIMITS_ON_BY_DEFAULT: boolean = true;

const TIER_2: TokenBucketLimit = Object.freeze({ perMinute: 20, burst: 5 });
const TIER_3: TokenBucketLimit = Object.freeze({ perMinute: 50, burst: 10 });
const TIER_4: TokenBucketLimit = Object.freeze({ perMinute: 100, burst: 20 });
const NON_MARKETPLACE_HISTORY: TokenBucketLimit = Object.freeze({ perMinute: 1, burst: 1 });

/** What `rateLimits: true` enforces, and what a partial `rateLimits` object changes. */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimitConfig> = Object.freeze({
  methods: Object.freeze({
    'chat.postMessage': Object.freeze({ perMinute: 600, burst: 100 }),
    'chat.update': TIER_3,
    'chat.postEphemeral': TIER_4,
    'views.open': TIER_4,
    'views.update': TIER_4,
    'views.push': TIER_4,
    'views.publish': TIER_4,
    'users.info': TIER_4,
    'usergroups.users.list': TIER_2,
    // Slack's reference pages put both at Tier 3 (only conversations.members, which the fake lacks, is Tier 4).
    'conversations.info': TIER_3,
    'conversations.open': TIER_3,
    // Since 2025-05-29 (existing installs in 2026), apps outside the Slack Marketplace get 1 request a minute here.
    'conversations.history': NON_MARKETPLACE_HISTORY,
    'conversations.replies': NON_MARKETPLACE_HISTORY,
    // Slack's reference pages put both upload methods at Tier 4.
    'files.getUploadURLExternal': TIER_4,
    'files.completeUploadExternal': TIER_4,
  }),
  postMessagePerChannel: Object.freeze({ perMinute: 60, burst: 3 }),
});

/**
 * The limits a fake enforces for its `rateLimits` option, or undefined for none. Unset follows
 * RATE_LIMITS_ON_BY_DEFAULT; true is DEFAULT_RATE_LIMITS; an object changes DEFAULT_RATE_LIMITS: its `methods`
 * entries replace those methods' buckets (the others keep theirs), its `postMessagePerChannel` replaces that one.
 */
export function resolveRateLimits(option: boolean | Partial<RateLimitConfig> | undefined): RateLimitConfig | undefined {
  const chosen = option ?? RATE_LIMITS_ON_BY_DEFAULT;
  if (chosen === false) return undefined;
  const given = chosen === true ? {} : chosen;
  const config: RateLimitConfig = {
    methods: { ...DEFAULT_RATE_LIMITS.methods, ...given.methods },
    postMessagePerChannel: given.postMessagePerChannel ?? DEFAULT_RATE_LIMITS.postMessagePerChannel,
  };
  const named: Array<[string, TokenBucketLimit | false]> = Object.entries(config.methods);
  named.push(['postMessagePerChannel', config.postMessagePerChannel]);
  for (const [name, limit] of named) {
    if (limit === false) continue;
    const { perMinute, burst } = limit;
    if (!(perMinute > 0 && Number.isFinite(perMinute) && burst >= 1 && Number.isInteger(burst))) {
      throw new Error(`fake Slack: the rate limit of ${name} needs perMinute > 0 and a whole burst >= 1`);
    }
  }
  return config;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Tokens within this of a whole one count as whole (refills are fractions of a token). */
const EPSILON = 1e-9;

/** The buckets of one fake, on its clock. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly config: RateLimitConfig,
    private readonly clock: () => number,
  ) {}

  /**
   * Spend one call of `method` in workspace `team` (and, for chat.postMessage, in `channel`). Returns undefined when
   * the call may go ahead, or the Retry-After in whole seconds (at least 1) when it is refused; a refused call spends
   * nothing from any bucket.
   */
  take(team: string, method: string, channel: string | undefined): number | undefined {
    const now = this.clock();
    const wanted: Array<{ bucket: Bucket; limit: TokenBucketLimit }> = [];
    const methodLimit = this.config.methods[method];
    if (methodLimit) wanted.push({ bucket: this.refill(`${team} ${method}`, methodLimit, now), limit: methodLimit });
    const channelLimit = this.config.postMessagePerChannel;
    if (method === 'chat.postMessage' && channel !== undefined && channelLimit) {
      wanted.push({ bucket: this.refill(`${team} ${method} ${channel}`, channelLimit, now), limit: channelLimit });
    }
    let waitMs = 0;
    for (const { bucket, limit } of wanted) {
      if (bucket.tokens < 1 - EPSILON) waitMs = Math.max(waitMs, ((1 - bucket.tokens) * 60_000) / limit.perMinute);
    }
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    for (const { bucket } of wanted) bucket.tokens = Math.max(0, bucket.tokens - 1);
    return undefined;
  }

  /** Every bucket full again. */
  reset(): void {
    this.buckets.clear();
  }

  private refill(key: string, limit: TokenBucketLimit, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.perMinute) / 60_000);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }
}

/**
 * The workspace a token belongs to. The fake has one workspace (`teamId`) and accepts any token, so every token
 * spends from the same buckets, as all the tokens of one app in one Slack workspace do.
 */
export function workspaceOf(s: FakeSlackState, _token: string): string {
  return s.teamId;
}

/**
 * Which channel a chat.postMessage counts against, without creating it (the call may yet be refused): a channel ID,
 * a known channel's ID for its name, the bot's DM for a user ID, `#name` for a name not seen yet. (So the first post
 * to a new `#name` and later posts to the ID it was given count separately; the bot posts by ID.)
 */
export function rateLimitChannel(s: FakeSlackState, ref: unknown): string | undefined {
  if (typeof ref !== 'string' || ref === '') return undefined;
  if (s.channels.has(ref)) return ref;
  if (/^[UW][A-Z0-9]+$/.test(ref)) return `D${ref.slice(1)}`;
  if (/^[CGD][A-Z0-9]+$/.test(ref)) return ref;
  const name = ref.replace(/^#/, '');
  for (const c of s.channels.values()) if (!c.is_im && c.name === name) return c.id;
  return `#${name}`;
}
