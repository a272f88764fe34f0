// The playground page: a small Slack client over the playground's web server (../server.ts). It shows what the
// emulator holds, and every act goes to the server, which sends it to the bot as Slack would.
import { esc, formatDate, h, initialValues, mrkdwn, plain, renderBlocks } from './blocks.js';

const $ = (id) => document.getElementById(id);
const S = {
  me: localStorage.getItem('preflight.me') || 'U0LEAD',
  place: JSON.parse(localStorage.getItem('preflight.place') || 'null') || { kind: 'channel', id: 'C0DEPLOYS' },
  thread: null,
  wireOpen: localStorage.getItem('preflight.wire') === '1',
  data: null,
  /** viewId -> { hash, values, errors, trouble } */
  modals: {},
  dismissed: new Set(JSON.parse(localStorage.getItem('preflight.dismissed') || '[]')),
  homeOpenedFor: null,
};
let fetching = null;
let again = false;

// ----- talking to the server ---------------------------------------------------------------------------------

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || `HTTP ${res.status}`);
  return json;
}

async function refresh() {
  if (fetching) {
    again = true;
    return fetching;
  }
  fetching = (async () => {
    try {
      const res = await fetch(`/api/state?user=${encodeURIComponent(S.me)}`);
      if (res.ok) {
        S.data = await res.json();
        render();
      }
    } finally {
      fetching = null;
      if (again) {
        again = false;
        refresh();
      }
    }
  })();
  return fetching;
}

function listen() {
  const events = new EventSource('/api/events');
  events.addEventListener('change', () => {
    refresh();
    if (S.wireOpen) refreshWire();
  });
  events.addEventListener('reset', () => {
    S.modals = {};
    S.thread = null;
    S.homeOpenedFor = null;
    S.dismissed.clear();
    localStorage.removeItem('preflight.dismissed');
    refresh();
  });
}

function toast(text, kind = 'error') {
  const t = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  $('toasts').append(t);
  setTimeout(() => t.remove(), 6000);
}

/** What Slack's client shows when the app answers a click with something other than 200. */
function answered(res, what) {
  if (res.status === 200) return;
  toast(res.status === 0 ? `${what}: the app did not answer (Slack would show a warning icon and "operation_timeout").` : `${what}: the app answered HTTP ${res.status} (Slack would show a warning icon: "We had some trouble connecting").`);
}

// ----- context for Block Kit -----------------------------------------------------------------------------------

function baseCtx() {
  const d = S.data;
  const people = Object.fromEntries(d.people.map((p) => [p.id, p]));
  people[d.botUserId] = { real_name: 'Preflight', name: 'preflight' };
  return {
    people,
    groups: Object.fromEntries(d.usergroups.map((g) => [g.id, g])),
    channels: Object.fromEntries(d.channels.map((c) => [c.id, c])),
    me: S.me,
    tz: me().tz,
    now: botNow(),
    confirm: askConfirm,
    menuClosed: () => {
      if (S.deferred) render();
    },
  };
}

/** The bot's now (epoch ms): the world's time in the playground, moved by the clock controls. */
function botNow() {
  return Date.now() + (S.data?.clockOffsetMs ?? 0);
}

/** The bot's time when the wall clock read `wallMs`: the emulator stamps messages with the wall clock. */
function botTimeAt(wallMs) {
  let offset = 0;
  for (const step of S.data?.clockSteps ?? []) if (step.at <= wallMs) offset = step.offsetMs;
  return wallMs + offset;
}

function me() {
  return S.data.people.find((p) => p.id === S.me) ?? S.data.people[0];
}

function act(container, extra = {}) {
  return async (action) => {
    try {
      const res = await post('/api/action', { user: S.me, container, action, ...extra });
      answered(res, 'Your click');
    } catch (err) {
      toast(String(err.message ?? err));
    }
  };
}

// ----- rendering -----------------------------------------------------------------------------------------------

function render() {
  if (!S.data) return;
  renderSidebar();
  // An open overflow menu stays open until it is used or closed; the messages catch up then.
  S.deferred = document.querySelector('.menu:not(.hidden)') !== null;
  if (!S.deferred) {
    renderMain();
    renderThread();
  }
  renderModals();
  $('wire').classList.toggle('hidden', !S.wireOpen);
  $('wire-toggle').classList.toggle('on', S.wireOpen);
}

function renderSidebar() {
  const d = S.data;
  const sel = $('you-are');
  if (sel.options.length !== d.people.length) {
    sel.replaceChildren(...d.people.map((p) => h('option', { value: p.id }, p.real_name)));
  }
  sel.value = S.me;
  $('you-role').textContent = `${me().role} · ${me().tz}`;
  $('transport').textContent = d.transport === 'socket' ? 'bot in Socket Mode' : 'bot over HTTP';
  $('channel-list').replaceChildren(
    ...d.channels.map((c) =>
      h('div', { class: `nav-item${S.place.kind === 'channel' && S.place.id === c.id ? ' active' : ''}`, 'data-channel': c.name, onclick: () => go({ kind: 'channel', id: c.id }) }, h('span', { class: 'hash' }, '#'), ` ${c.name}`),
    ),
  );
  $('app-list').replaceChildren(h('div', { class: `nav-item${S.place.kind === 'app' ? ' active' : ''}`, 'data-app': 'preflight', onclick: () => go({ kind: 'app', tab: 'home' }) }, h('span', { class: 'app-icon' }, 'P'), ' Preflight'));
  const now = new Date(d.now);
  const ahead = d.clockOffsetMs > 0 ? ` (+${fmtOffset(d.clockOffsetMs)})` : '';
  $('clock-now').textContent = `${formatDate(now.getTime() / 1000, '{date_short} {time}', me().tz, now.getTime())}${ahead}`;
  const failing = d.healthFailing === true;
  $('health-toggle').textContent = `health: ${failing ? 'failing' : 'OK'}`;
  $('health-toggle').classList.toggle('failing', failing);
  $('health-toggle').setAttribute('aria-pressed', String(failing));
  renderGitHub(d.github);
}

/** The GitHub stand-in: its gated repository and environment, and each run's gate as GitHub holds it. */
function renderGitHub(gh) {
  $('github').classList.toggle('hidden', !gh);
  if (!gh) return;
  $('github-where').textContent = `${gh.repo} · ${gh.environment}`;
  const WORDS = { waiting: 'waiting', approved: 'approved', rejected: 'rejected' };
  $('github-runs').replaceChildren(
    ...gh.runs.slice(0, 8).map((r) => {
      // What GitHub shows on the run: the answer's comment, else Preflight's latest status report.
      const said = r.comment ?? r.reports.at(-1);
      return h(
        'div',
        { class: 'gh-run', 'data-run': String(r.runId), 'data-status': r.status, title: said ?? '' },
        h('div', { class: 'gh-run-line' }, h('span', {}, `run ${r.runId}`), h('code', {}, r.sha.slice(0, 7)), h('span', { class: 'gh-status' }, WORDS[r.status] ?? r.status)),
        r.comment ? h('div', { class: 'gh-comment' }, r.comment) : null,
      );
    }),
  );
}

function fmtOffset(ms) {
  const m = Math.round(ms / 60000);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  return hrs < 48 ? `${hrs} h${m % 60 ? ` ${m % 60} min` : ''}` : `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

function go(place) {
  S.place = place;
  localStorage.setItem('preflight.place', JSON.stringify(place));
  if (place.kind === 'channel') S.thread = S.thread && S.thread.channel === place.id ? S.thread : null;
  render();
}

function renderMain() {
  const d = S.data;
  const feed = $('feed');
  const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
  if (S.place.kind === 'channel') {
    const c = d.channels.find((x) => x.id === S.place.id) ?? d.channels[0];
    $('main-title').replaceChildren(h('b', {}, `# ${c.name}`));
    $('main-topic').textContent = c.topic;
    $('tabs').classList.add('hidden');
    $('composer').classList.remove('hidden');
    $('composer-input').placeholder = `Message #${c.name}, or type /promote`;
    feed.replaceChildren(...channelFeed(c.id, null));
    renderProblems(c.id);
  } else {
    $('main-title').replaceChildren(h('span', { class: 'app-icon big' }, 'P'), h('b', {}, ' Preflight'), h('span', { class: 'app-badge' }, 'APP'));
    $('main-topic').textContent = '';
    $('tabs').classList.remove('hidden');
    const tab = S.place.tab ?? 'home';
    $('tabs').replaceChildren(
      h('button', { type: 'button', class: `tab${tab === 'home' ? ' active' : ''}`, onclick: () => go({ kind: 'app', tab: 'home' }) }, 'Home'),
      h('button', { type: 'button', class: `tab${tab === 'messages' ? ' active' : ''}`, onclick: () => go({ kind: 'app', tab: 'messages' }) }, 'Messages'),
    );
    $('composer').classList.add('hidden');
    renderProblems(null);
    if (tab === 'home') {
      if (S.homeOpenedFor !== S.me) {
        S.homeOpenedFor = S.me;
        post('/api/home-opened', { user: S.me }).then((r) => answered(r, 'Opening App Home'), (e) => toast(e.message));
      }
      const ctx = { ...baseCtx(), surface: 'home', fire: act({ type: 'home' }) };
      feed.replaceChildren(d.home ? h('div', { class: 'home' }, renderBlocks(d.home.blocks, ctx)) : h('div', { class: 'empty' }, 'Preflight has not published your App Home yet.'));
    } else {
      feed.replaceChildren(...(d.dms.length ? d.dms.map((m) => messageEl(m, { channel: m.channel })) : [h('div', { class: 'empty' }, 'No direct messages from Preflight yet.')]));
    }
  }
  if (atBottom || !feed.dataset.scrolled) {
    feed.scrollTop = feed.scrollHeight;
    feed.dataset.scrolled = '1';
  }
}

/** Messages (top level, or one thread), ephemerals and refusals of a channel, in order. */
function channelFeed(channel, threadTs) {
  const d = S.data;
  const items = [];
  const inThread = (m) => m.thread_ts === threadTs || m.ts === threadTs;
  const top = (m) => !m.thread_ts || m.thread_ts === m.ts;
  // A thread reply sent to the channel too (reply_broadcast) shows in both, as Slack shows it.
  const inChannel = (m) => top(m) || m.reply_broadcast === true;
  for (const m of d.messages.filter((m) => m.channel === channel && (threadTs ? inThread(m) : inChannel(m)))) items.push({ key: m.ts, order: 0, el: () => messageEl(m, { channel, threadTs }) });
  for (const e of d.ephemerals.filter((e) => e.channel === channel && (threadTs ? e.threadTs === threadTs : !e.threadTs))) items.push({ key: e.afterTs, order: 1, el: () => ephemeralEl(e) });
  if (!threadTs) {
    let last = '0';
    const tops = d.messages.filter((m) => m.channel === channel && top(m));
    for (const r of d.refusals.filter((r) => r.channel === channel && !S.dismissed.has(r.seq))) {
      last = tops.at(-1)?.ts ?? last;
      items.push({ key: last, order: 2, el: () => refusalEl(r) });
    }
  }
  items.sort((a, b) => (a.key === b.key ? a.order - b.order : a.key < b.key ? -1 : 1));
  if (items.length === 0) return [h('div', { class: 'empty' }, threadTs ? '' : 'Nothing here yet. Type /promote start v1.50 below.')];
  return items.map((i) => i.el());
}

function avatar(kind) {
  return h('div', { class: `avatar ${kind}` }, kind === 'slackbot' ? '★' : 'P');
}

/** A message's time as the bot's clock read when it was posted. */
function timeOf(ts) {
  return formatDate(Math.floor(botTimeAt(Number(ts) * 1000) / 1000), '{time}', me().tz, botNow());
}

function messageEl(m, where) {
  const d = S.data;
  const ctx = { ...baseCtx(), surface: 'message', fire: act({ type: 'message', channel: m.channel, ts: m.ts, blocks: m.blocks }, where.threadTs ? { threadTs: where.threadTs } : {}) };
  const body = m.blocks && m.blocks.length ? renderBlocks(m.blocks, ctx) : h('div', { class: 'text', html: mrkdwn(m.text ?? '', ctx) });
  const replies = !where.threadTs && !m.thread_ts ? d.messages.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts) : [];
  const broadcast = m.reply_broadcast === true && m.thread_ts && m.thread_ts !== m.ts;
  const parent = broadcast && !where.threadTs ? d.messages.find((p) => p.channel === m.channel && p.ts === m.thread_ts) : undefined;
  const el = h(
    'div',
    { class: `message${broadcast ? ' broadcast' : ''}`, 'data-ts': m.ts },
    avatar('app'),
    h(
      'div',
      { class: 'message-body' },
      parent ? h('button', { type: 'button', class: 'broadcast-of', onclick: () => openThread(m.channel, m.thread_ts) }, h('span', { class: 'muted' }, 'replied to a thread: '), h('span', { class: 'broadcast-parent', html: mrkdwn(parent.text ?? '', ctx) })) : null,
      h('div', { class: 'message-meta' }, h('b', {}, 'Preflight'), h('span', { class: 'app-badge' }, 'APP'), h('span', { class: 'time' }, timeOf(m.ts)), m.updates > 0 ? h('span', { class: 'edited' }, '(edited)') : null),
      body,
      m.files?.length ? fileList(m) : null,
      broadcast && where.threadTs ? h('div', { class: 'broadcast-note muted' }, 'Also sent to the channel') : null,
      replies.length ? h('button', { type: 'button', class: 'replies', 'data-thread': m.ts, onclick: () => openThread(m.channel, m.ts) }, h('span', { class: 'app-icon small' }, 'P'), h('b', {}, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`), h('span', { class: 'muted' }, ` Last reply ${timeOf(replies.at(-1).ts)}`)) : null,
    ),
  );
  return el;
}

/** Files shared in a message (files.completeUploadExternal): each one's name and a link that downloads what the bot uploaded. */
function fileList(m) {
  return h(
    'div',
    { class: 'files' },
    ...m.files.map((f) => {
      const href = `/api/files/${encodeURIComponent(f.id)}?${new URLSearchParams({ channel: m.channel, ts: m.ts })}`;
      return h(
        'div',
        { class: 'file', 'data-file': f.name },
        h('span', { class: 'file-icon', 'aria-hidden': 'true' }, f.name.endsWith('.json') ? '{ }' : '📄'),
        h('span', { class: 'file-body' }, h('b', { class: 'file-name' }, f.name), h('span', { class: 'muted file-meta' }, [f.title && f.title !== f.name ? f.title : null, f.mimetype, fileSize(f.size)].filter(Boolean).join(' · '))),
        h('a', { class: 'btn file-download', href, download: f.name, title: `Download ${f.name} from the emulator` }, 'Download'),
      );
    }),
  );
}

function fileSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ephemeralEl(e) {
  const ctx = { ...baseCtx(), surface: 'message', fire: act({ type: 'ephemeral', key: e.key }) };
  const body = e.blocks && e.blocks.length ? renderBlocks(e.blocks, ctx) : h('div', { class: 'text', html: mrkdwn(e.text ?? '', ctx) });
  return h(
    'div',
    { class: 'message ephemeral', 'data-ephemeral': e.key },
    avatar(e.from),
    h('div', { class: 'message-body' }, h('div', { class: 'message-meta' }, h('b', {}, e.from === 'slackbot' ? 'Slackbot' : 'Preflight'), e.from === 'app' ? h('span', { class: 'app-badge' }, 'APP') : null), body, h('div', { class: 'only-you' }, h('span', { class: 'eye' }, '👁'), ' Only visible to you')),
  );
}

function refusalEl(r) {
  return h(
    'div',
    { class: 'refusal', role: 'alert', 'data-refusal': r.method },
    h('div', {}, h('span', { class: 'emoji' }, '⚠️'), ' ', h('b', {}, `Slack refused ${r.method}: `), h('code', {}, r.error)),
    r.messages.length ? h('ul', {}, ...r.messages.map((m) => h('li', {}, m))) : null,
    h('div', { class: 'muted' }, 'Playground only: in a real workspace nobody would see this; the message would just not appear or change. ', h('button', { type: 'button', class: 'link', onclick: () => dismiss(r.seq) }, 'Dismiss')),
  );
}

function dismiss(seq) {
  S.dismissed.add(seq);
  localStorage.setItem('preflight.dismissed', JSON.stringify([...S.dismissed]));
  render();
}

/** Refusals that belong to no channel (views.open, views.publish...), above the feed. */
function renderProblems() {
  const others = S.data.refusals.filter((r) => !r.channel && !S.dismissed.has(r.seq));
  $('problems').replaceChildren(...others.slice(-3).map(refusalEl));
}

function openThread(channel, ts) {
  S.thread = { channel, ts };
  render();
}

/** A link to a message (`https://slack.com/archives/C…/p…`): open its channel and thread, and point at it. */
function openMessageLink(channel, ts) {
  const m = S.data.messages.find((x) => x.channel === channel && x.ts === ts);
  if (!m) {
    toast('That message is not in this workspace any more.', 'info');
    return;
  }
  if (S.place.kind !== 'channel' || S.place.id !== channel) go({ kind: 'channel', id: channel });
  const threadTs = m.thread_ts && m.thread_ts !== m.ts ? m.thread_ts : S.data.messages.some((r) => r.thread_ts === m.ts && r.ts !== m.ts) ? m.ts : null;
  if (threadTs) openThread(channel, threadTs);
  const el = document.querySelector(`${threadTs && threadTs !== m.ts ? '#thread-feed' : '#feed'} .message[data-ts="${CSS.escape(ts)}"]`);
  if (el) {
    el.scrollIntoView({ block: 'center' });
    el.classList.add('pointed');
    setTimeout(() => el.classList.remove('pointed'), 1600);
  }
}

function renderThread() {
  const pane = $('thread');
  if (!S.thread || S.place.kind !== 'channel') {
    pane.classList.add('hidden');
    return;
  }
  pane.classList.remove('hidden');
  const c = S.data.channels.find((x) => x.id === S.thread.channel);
  $('thread-channel').textContent = `# ${c?.name ?? ''}`;
  const feed = $('thread-feed');
  const key = `${S.thread.channel}:${S.thread.ts}`;
  // As Slack: a thread read to its end follows new replies; one scrolled back stays where it is.
  const follow = feed.dataset.thread === key && feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
  const top = feed.dataset.thread === key ? feed.scrollTop : 0;
  feed.dataset.thread = key;
  const items = channelFeed(S.thread.channel, S.thread.ts);
  // The parent first, then a divider with the count, as Slack shows a thread.
  const replies = items.length - 1;
  if (items.length > 1) items.splice(1, 0, h('div', { class: 'thread-count' }, `${replies} ${replies === 1 ? 'reply' : 'replies'}`));
  feed.replaceChildren(...items);
  feed.scrollTop = follow ? feed.scrollHeight : top;
}

// ----- modals --------------------------------------------------------------------------------------------------

function renderModals() {
  const root = $('modal-root');
  const stack = S.data.modals;
  const topEntry = stack.at(-1);
  if (!topEntry) {
    root.replaceChildren();
    root.dataset.key = '';
    return;
  }
  const view = topEntry.view;
  const st = (S.modals[topEntry.viewId] ??= { hash: null, values: {}, errors: {}, trouble: null });
  if (st.hash !== view.hash) {
    // As Slack does after views.update: an input whose block_id and action_id stay keeps what the person entered.
    const fresh = initialValues(view.blocks, baseCtx());
    if (st.hash !== null) {
      for (const [blockId, actions] of Object.entries(fresh)) {
        for (const actionId of Object.keys(actions)) {
          const kept = st.values[blockId]?.[actionId];
          if (kept !== undefined) actions[actionId] = kept;
        }
      }
    }
    st.hash = view.hash;
    st.values = fresh;
    st.errors = {};
    st.trouble = null;
  }
  const key = `${topEntry.viewId}:${view.hash}:${JSON.stringify(st.errors)}:${st.trouble}:${S.me}:${stack.length}`;
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  const ctx = {
    ...baseCtx(),
    surface: 'modal',
    values: st.values,
    errors: st.errors,
    fire: (action) => act({ type: 'view', viewId: topEntry.viewId, values: st.values })(action),
  };
  const close = async () => {
    await post('/api/close', { user: S.me, viewId: topEntry.viewId }).catch((e) => toast(e.message));
  };
  const submit = async (ev) => {
    ev?.preventDefault();
    const btn = root.querySelector('.modal-submit');
    if (btn) btn.disabled = true;
    try {
      const res = await post('/api/submit', { user: S.me, viewId: topEntry.viewId, values: st.values });
      if (res.errors) {
        st.errors = res.errors;
        root.dataset.key = '';
        renderModals();
      } else if (res.trouble) {
        st.trouble = res.trouble;
        root.dataset.key = '';
        renderModals();
      }
    } catch (e) {
      toast(e.message);
    } finally {
      if (btn) btn.disabled = false;
    }
  };
  const modal = h(
    'form',
    { class: 'modal', role: 'dialog', 'aria-label': view.title?.text ?? 'Modal', onsubmit: submit },
    h(
      'header',
      { class: 'modal-header' },
      stack.length > 1 ? h('button', { type: 'button', class: 'close back', 'aria-label': 'Back', onclick: close }, '←') : null,
      h('span', { class: 'app-icon' }, 'P'),
      h('b', { class: 'modal-title', html: plain(view.title) }),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '×'),
    ),
    h('div', { class: 'modal-body' }, renderBlocks(view.blocks, ctx), st.trouble ? h('div', { class: 'input-error trouble' }, st.trouble) : null),
    h(
      'footer',
      { class: 'modal-footer' },
      h('button', { type: 'button', class: 'btn', onclick: close }, view.close?.text ?? 'Cancel'),
      view.submit ? h('button', { type: 'submit', class: 'btn primary modal-submit' }, view.submit.text) : null,
    ),
  );
  root.replaceChildren(h('div', { class: 'overlay' }, modal));
}

function askConfirm(c) {
  return new Promise((resolve) => {
    const root = $('confirm-root');
    const done = (v) => {
      root.replaceChildren();
      resolve(v);
    };
    const ctx = baseCtx();
    root.replaceChildren(
      h(
        'div',
        { class: 'overlay confirm' },
        h(
          'div',
          { class: 'modal small', role: 'alertdialog' },
          h('header', { class: 'modal-header' }, h('b', { class: 'modal-title', html: plain(c.title ?? { text: 'Are you sure?' }) })),
          h('div', { class: 'modal-body', html: c.text?.type === 'mrkdwn' ? mrkdwn(c.text.text, ctx) : plain(c.text) }),
          h(
            'footer',
            { class: 'modal-footer' },
            h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, c.deny?.text ?? 'Cancel'),
            h('button', { type: 'button', class: `btn ${c.style === 'danger' ? 'danger' : 'primary'} confirm-yes`, onclick: () => done(true) }, c.confirm?.text ?? 'Yes'),
          ),
        ),
      ),
    );
  });
}

// ----- the composer ----------------------------------------------------------------------------------------------

let picked = 0;

function suggestions(text) {
  const subs = S.data?.subcommands ?? [];
  if (!text.startsWith('/')) return [];
  const m = /^\/promote(?:\s+(\S*))?$/.exec(text);
  if (!m) return '/promote'.startsWith(text) ? [{ fill: '/promote ', usage: '/promote [subcommand]', summary: 'Run production promotions as a live checklist' }] : [];
  if (m[1] === undefined && !text.endsWith(' ')) return [{ fill: '/promote ', usage: '/promote [subcommand]', summary: 'Run production promotions as a live checklist' }];
  const word = (m[1] ?? '').toLowerCase();
  return subs.filter((s) => s.name.startsWith(word)).map((s) => ({ fill: `/promote ${s.name} `, usage: s.usage, summary: s.summary }));
}

function renderSuggestions() {
  const box = $('suggestions');
  const list = suggestions($('composer-input').value);
  if (list.length === 0) {
    box.classList.add('hidden');
    return list;
  }
  picked = Math.min(picked, list.length - 1);
  const ctx = baseCtx();
  box.replaceChildren(
    h('div', { class: 'suggest-title' }, 'Commands matching'),
    ...list.map((s, i) =>
      h('div', { class: `suggestion${i === picked ? ' picked' : ''}`, role: 'option', 'data-fill': s.fill, onmousedown: (ev) => { ev.preventDefault(); fill(s); } }, h('span', { class: 'suggest-usage' }, s.usage), h('span', { class: 'suggest-summary', html: mrkdwn(s.summary, ctx) })),
    ),
  );
  box.classList.remove('hidden');
  return list;
}

function fill(s) {
  $('composer-input').value = s.fill;
  $('composer-input').focus();
  renderSuggestions();
}

function setupComposer() {
  const input = $('composer-input');
  input.addEventListener('input', () => {
    picked = 0;
    renderSuggestions();
  });
  input.addEventListener('keydown', (ev) => {
    const list = suggestions(input.value);
    if (list.length === 0) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      picked = (picked + (ev.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length;
      renderSuggestions();
    } else if (ev.key === 'Tab' || (ev.key === 'Enter' && list[picked].fill.trim() !== input.value.trim())) {
      // As Slack's autocomplete: Tab, or Enter on a command not typed out yet, fills it in; Enter on a whole one sends.
      ev.preventDefault();
      fill(list[picked]);
    } else if (ev.key === 'Escape') {
      $('suggestions').classList.add('hidden');
    }
  });
  input.addEventListener('blur', () => setTimeout(() => $('suggestions').classList.add('hidden'), 100));
  $('composer').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith('/')) {
      toast('The playground only sends slash commands: type /promote …', 'info');
      return;
    }
    input.value = '';
    $('suggestions').classList.add('hidden');
    try {
      const res = await post('/api/command', { user: S.me, channel: S.place.id, text });
      answered(res, text.split(' ').slice(0, 2).join(' '));
    } catch (e) {
      toast(e.message);
    }
  });
}

// ----- the wire --------------------------------------------------------------------------------------------------

let wireFetching = false;
async function refreshWire() {
  if (wireFetching) return;
  wireFetching = true;
  try {
    const { entries } = await (await fetch('/api/wire')).json();
    const feed = $('wire-feed');
    const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
    const open = new Set([...feed.querySelectorAll('details[open]')].map((d) => d.dataset.id));
    feed.replaceChildren(
      ...entries.map((e) =>
        h(
          'details',
          { class: `wire-entry ${e.dir}${e.ok ? '' : ' bad'}`, 'data-id': e.id, open: open.has(e.id) },
          h('summary', {}, h('span', { class: 'dir' }, e.dir === 'request' ? '→ bot' : '← API'), ' ', h('b', {}, e.title), ' ', h('span', { class: 'status' }, e.status), h('span', { class: 'muted when' }, new Date(e.at).toLocaleTimeString())),
          h('pre', {}, JSON.stringify(e.detail, null, 2)),
        ),
      ),
    );
    if (atBottom) feed.scrollTop = feed.scrollHeight;
  } finally {
    wireFetching = false;
  }
}

// ----- start -------------------------------------------------------------------------------------------------------

function setup() {
  $('you-are').addEventListener('change', (ev) => {
    S.me = ev.target.value;
    localStorage.setItem('preflight.me', S.me);
    S.homeOpenedFor = null;
    $('modal-root').dataset.key = '';
    refresh();
  });
  $('thread-close').addEventListener('click', () => {
    S.thread = null;
    render();
  });
  const wire = (open) => {
    S.wireOpen = open;
    localStorage.setItem('preflight.wire', open ? '1' : '0');
    if (open) refreshWire();
    render();
  };
  $('wire-toggle').addEventListener('click', () => wire(!S.wireOpen));
  $('wire-close').addEventListener('click', () => wire(false));
  const clock = (body) => post('/api/clock', body).then(refresh, (e) => toast(e.message, 'info'));
  $('clock-hour').addEventListener('click', () => clock({ advanceMs: 3_600_000 }));
  $('clock-day').addEventListener('click', () => clock({ advanceMs: 86_400_000 }));
  $('clock-t5').addEventListener('click', () => clock({ to: 'T-5m' }));
  $('clock-next').addEventListener('click', () => clock({ to: 'next' }));
  $('health-toggle').addEventListener('click', () => post('/api/health', { failing: S.data?.healthFailing !== true }).then(refresh, (e) => toast(e.message, 'info')));
  $('github-run').addEventListener('click', async () => {
    try {
      const run = await post('/api/github/run', {});
      // GitHub shows the App's answer in its delivery log; the page shows it when it is not "waiting for GO".
      if (run.status !== 202) toast(`GitHub delivered run ${run.runId}'s webhook; the bot answered ${run.status === 0 ? 'nothing' : `HTTP ${run.status}`}: ${run.message}`, run.status === 200 ? 'info' : 'error');
      refresh();
    } catch (e) {
      toast(e.message);
    }
  });
  $('reset').addEventListener('click', async () => {
    const ok = await askConfirm({ title: { type: 'plain_text', text: 'Reset the playground?' }, text: { type: 'plain_text', text: 'Every promotion, message and approval is deleted, and the bot starts afresh.' }, confirm: { type: 'plain_text', text: 'Reset' }, style: 'danger' });
    if (!ok) return;
    await post('/api/reset', {}).catch((e) => toast(e.message));
    toast('The playground was reset.', 'info');
  });
  document.addEventListener('click', (ev) => {
    const link = ev.target instanceof Element ? ev.target.closest('a.msg-link') : null;
    if (link) {
      ev.preventDefault();
      openMessageLink(link.dataset.channel, link.dataset.ts);
    }
    document.querySelectorAll('.menu').forEach((m) => m.classList.add('hidden'));
    if (S.deferred) render();
  });
  setupComposer();
  listen();
  refresh();
  if (S.wireOpen) refreshWire();
}

setup();
