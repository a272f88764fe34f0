// Block Kit and mrkdwn as Slack's client shows them, for the playground page. No framework: plain DOM.
//
// renderBlocks(blocks, ctx) returns a DocumentFragment. ctx:
//   people (id -> { real_name, name }), groups (id -> { handle, name }), channels (id -> { name }), me, tz (the viewer's)
//   now: epoch ms of the viewer's now, for "today", "tomorrow" and "{ago}" (the playground passes the bot's clock)
//   surface: 'message' | 'modal' | 'home'
//   fire(action): an interactive element was used (the action object as Slack sends it, minus action_ts)
//   values: for a modal, { [block_id]: { [action_id]: stateValue } }, kept up to date as the person types
//   errors: for a modal, { [block_id]: message } (response_action: errors)
//   confirm(dialog): Promise<boolean> for a confirm object

const EMOJI = {
  white_check_mark: '✅', heavy_check_mark: '✔️', ballot_box_with_check: '☑️', x: '❌', no_entry: '⛔', no_entry_sign: '🚫',
  warning: '⚠️', large_green_circle: '🟢', red_circle: '🔴', large_yellow_circle: '🟡', white_circle: '⚪',
  large_blue_circle: '🔵', checkered_flag: '🏁', rocket: '🚀', rewind: '⏪', hourglass_flowing_sand: '⏳', hourglass: '⌛',
  writing_hand: '✍️', white_large_square: '⬜', vertical_traffic_light: '🚦', shield: '🛡️', memo: '📝', loudspeaker: '📢',
  heavy_minus_sign: '➖', gear: '⚙️', chart_with_upwards_trend: '📈', bookmark_tabs: '📑', lock: '🔒', unlock: '🔓',
  bell: '🔔', calendar: '📅', stopwatch: '⏱️', stop_sign: '🛑', construction: '🚧', information_source: 'ℹ️', eyes: '👀',
  tada: '🎉', link: '🔗', bust_in_silhouette: '👤', busts_in_silhouette: '👥', fast_forward: '⏩', repeat: '🔁', zap: '⚡',
  fire: '🔥', speech_balloon: '💬', pencil2: '✏️', wrench: '🔧', package: '📦', mag: '🔍', thumbsup: '👍', '+1': '👍',
  '-1': '👎', question: '❓', grey_question: '❔', exclamation: '❗', heavy_exclamation_mark: '❗', arrow_right: '➡️',
  clipboard: '📋', leftwards_arrow_with_hook: '↩️', arrows_counterclockwise: '🔄', twisted_rightwards_arrows: '🔀',
  pause_button: '⏸️', radio_button: '🔘', robot_face: '🤖', sparkles: '✨', point_right: '👉', clock3: '🕒', alarm_clock: '⏰',
  test_tube: '🧪', double_vertical_bar: '⏸️', rotating_light: '🚨', page_facing_up: '📄',
};

export function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack escapes only &, < and > in message text. */
function decode(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function emojify(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (m, name) => (EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : m));
}

/** Plain text (plain_text objects): escaped, emoji shortcodes shown when `emoji` is not false. */
export function plain(obj) {
  if (!obj) return '';
  const text = typeof obj === 'string' ? obj : obj.text ?? '';
  return obj.emoji === false ? esc(text) : emojify(esc(text));
}

/** A text object of either type as HTML. */
export function textHtml(obj, ctx) {
  if (!obj) return '';
  return obj.type === 'mrkdwn' ? mrkdwn(obj.text ?? '', ctx) : plain(obj);
}

function personName(id, ctx) {
  const p = ctx.people?.[id];
  return p ? p.real_name ?? p.name : id;
}

/** `<…>`: mentions, channels, user groups, dates, special mentions and links. */
function control(inner, ctx) {
  const bar = inner.indexOf('|');
  const head = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : '';
  if (head.startsWith('@')) {
    const id = head.slice(1);
    return `<span class="mention${id === ctx.me ? ' me' : ''}" data-user="${esc(id)}">@${esc(personName(id, ctx))}</span>`;
  }
  if (head.startsWith('#')) {
    const id = head.slice(1);
    return `<span class="channel-mention">#${esc(ctx.channels?.[id]?.name ?? (decode(label) || id))}</span>`;
  }
  if (head.startsWith('!subteam^')) {
    const id = head.slice('!subteam^'.length);
    const g = ctx.groups?.[id];
    const mine = g?.users?.includes(ctx.me);
    return `<span class="mention group${mine ? ' me' : ''}"${g?.name ? ` title="${esc(g.name)}"` : ''}>@${esc(g?.handle ?? (decode(label).replace(/^@/, '') || id))}</span>`;
  }
  if (head.startsWith('!date^')) {
    const [, epoch, format, link] = head.split('^');
    const text = formatDate(Number(epoch), format ?? '{date_short}', ctx.tz, ctx.now) ?? decode(label);
    const html = `<span class="date" title="${esc(new Date(Number(epoch) * 1000).toISOString())} · shown in ${esc(ctx.tz)}">${esc(text)}</span>`;
    return link && /^https?:/.test(link) ? `<a href="${esc(link)}" target="_blank" rel="noreferrer">${html}</a>` : html;
  }
  if (head === '!here' || head === '!channel' || head === '!everyone') return `<span class="mention special">@${head.slice(1)}</span>`;
  if (head.startsWith('!')) return esc(decode(label || head));
  const url = decode(head);
  const shown = label ? decode(label) : url.replace(/^mailto:/, '');
  // A link to a message (the checklist, a section of its thread): Slack's client opens it in place, and so does the page.
  const archived = /^https:\/\/(?:[\w-]+\.)?slack\.com\/archives\/([CDG][A-Z0-9]+)\/p(\d{10})(\d{6})$/.exec(url);
  if (archived) return `<a href="${esc(url)}" class="msg-link" data-channel="${archived[1]}" data-ts="${archived[2]}.${archived[3]}">${esc(shown)}</a>`;
  if (/^(https?:|mailto:)/i.test(url)) return `<a href="${esc(url)}" target="_blank" rel="noreferrer">${esc(shown)}</a>`;
  return esc(shown);
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function partsIn(date, tz) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  const out = {};
  for (const p of f.formatToParts(date)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Epoch ms -> "YYYY-MM-DD" and "HH:MM" in a time zone. */
export function localParts(ms, tz) {
  const p = partsIn(new Date(ms), tz);
  const pad = (n) => String(n).padStart(2, '0');
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

/** "YYYY-MM-DD" + "HH:MM" in a time zone -> epoch ms. */
export function fromLocal(date, time, tz) {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = (time || '00:00').split(':').map(Number);
  const wanted = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = partsIn(new Date(guess), tz);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += wanted - shown;
  }
  return guess;
}

/** `<!date^…>` tokens, in the viewer's time zone (Slack's own formats); "today" and "ago" are counted from `now` (epoch ms). */
export function formatDate(epoch, format, tz, now = Date.now()) {
  if (!Number.isFinite(epoch)) return undefined;
  const d = new Date(epoch * 1000);
  const f = (opts) => new Intl.DateTimeFormat('en-US', { timeZone: tz, ...opts }).format(d);
  const dayNum = Number(f({ day: 'numeric' }));
  const date = `${f({ month: 'long' })} ${ordinal(dayNum)}, ${f({ year: 'numeric' })}`;
  const dateShort = f({ month: 'short', day: 'numeric', year: 'numeric' });
  const dateLong = `${f({ weekday: 'long' })}, ${date}`;
  const today = localParts(now, tz).date;
  const that = localParts(d.getTime(), tz).date;
  const dayDiff = Math.round((Date.parse(`${that}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  const pretty = (fallback) => (dayDiff === 0 ? 'today' : dayDiff === -1 ? 'yesterday' : dayDiff === 1 ? 'tomorrow' : fallback);
  const secs = Math.round((now - d.getTime()) / 1000);
  const ago = () => {
    const a = Math.abs(secs);
    const [n, unit] = a < 60 ? [a, 'second'] : a < 3600 ? [Math.round(a / 60), 'minute'] : a < 86400 ? [Math.round(a / 3600), 'hour'] : [Math.round(a / 86400), 'day'];
    const words = `${n} ${unit}${n === 1 ? '' : 's'}`;
    return secs >= 0 ? `${words} ago` : `in ${words}`;
  };
  const tokens = {
    date_num: that,
    date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty(date),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    time: f({ hour: 'numeric', minute: '2-digit' }),
    time_secs: f({ hour: 'numeric', minute: '2-digit', second: '2-digit' }),
    ago: ago(),
  };
  return format.replace(/\{(\w+)\}/g, (m, t) => tokens[t] ?? m);
}

/** Slack mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, links, mentions, dates, emoji. */
export function mrkdwn(text, ctx) {
  const slots = [];
  const hold = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  let t = String(text);
  t = t.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre class="code-block">${esc(decode(code.replace(/^\n/, '')))}</pre>`));
  t = t.replace(/<([^<>\n]+)>/g, (_, inner) => hold(control(inner, ctx)));
  t = t.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${esc(decode(code))}</code>`));
  t = esc(decode(t));
  t = t.replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, (m, pre, inner) => (/\s$/.test(inner) ? m : `${pre}<b>${inner}</b>`));
  t = t.replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, (m, pre, inner) => (/\s$/.test(inner) ? m : `${pre}<i>${inner}</i>`));
  t = t.replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, (m, pre, inner) => (/\s$/.test(inner) ? m : `${pre}<s>${inner}</s>`));
  const out = [];
  let quote = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of t.split('\n')) {
    const q = /^&gt;\s?(.*)$/.exec(line);
    if (q) {
      quote.push(q[1]);
      continue;
    }
    flush();
    const li = /^(\s*)([•◦▪\-]|\d+\.)\s+(.*)$/.exec(line);
    out.push(li ? `<span class="li" style="padding-left:${li[1].length * 8 + 4}px"><span class="bullet">${li[2] === '-' ? '•' : li[2]}</span> ${li[3]}</span>` : line);
  }
  flush();
  let html = out.join('\n').replace(/\n(?!<blockquote)/g, '<br>').replace(/(<\/blockquote>)<br>/g, '$1').replace(/<br>(?=<blockquote)/g, '');
  html = emojify(html);
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => slots[Number(i)]);
}

// ----- DOM helpers -------------------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'html') el.innerHTML = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c);
  return el;
}
export { h };

function optionOut(o) {
  return { text: o.text, value: o.value, ...(o.description ? { description: o.description } : {}) };
}

function allOptions(e) {
  return [...(e.options ?? []), ...(e.option_groups ?? []).flatMap((g) => g.options ?? [])];
}

/** The state value an element starts with (what Slack puts in view.state.values). */
export function initialValue(e, ctx) {
  switch (e.type) {
    case 'plain_text_input':
    case 'url_text_input':
    case 'email_text_input':
    case 'number_input':
      return { type: e.type, value: e.initial_value ?? null };
    case 'checkboxes':
      return { type: e.type, selected_options: (e.initial_options ?? []).map(optionOut) };
    case 'radio_buttons':
    case 'static_select':
      return { type: e.type, selected_option: e.initial_option ? optionOut(e.initial_option) : null };
    case 'users_select':
      return { type: e.type, selected_user: e.initial_user ?? null };
    case 'datepicker':
      return { type: e.type, selected_date: e.initial_date ?? null };
    case 'timepicker':
      return { type: e.type, selected_time: e.initial_time ?? null, ...(e.timezone ? { timezone: e.timezone } : {}) };
    case 'datetimepicker':
      return { type: e.type, selected_date_time: e.initial_date_time ?? null };
    default:
      return undefined;
  }
}

// ----- elements ----------------------------------------------------------------------------------------------

/**
 * One interactive element. `blockId` is the block it sits in; `input` is true inside an input block (the value goes
 * to ctx.values; an action is sent only with dispatch_action).
 */
function element(e, blockId, ctx, opts = {}) {
  const input = opts.input === true;
  const stateful = ctx.values !== undefined;
  const cur = stateful ? ctx.values?.[blockId]?.[e.action_id] : undefined;
  const setValue = (v) => {
    if (!stateful) return;
    ctx.values[blockId] ??= {};
    ctx.values[blockId][e.action_id] = v;
    ctx.onInput?.();
  };
  const base = { action_id: e.action_id, block_id: blockId };
  const fire = async (action) => {
    if (input && !opts.dispatch) return;
    if (e.confirm && !(await ctx.confirm(e.confirm))) return false;
    ctx.fire({ ...base, ...action });
    return true;
  };
  const tz = ctx.tz;
  switch (e.type) {
    case 'button': {
      const b = h('button', { class: `btn${e.style ? ` ${e.style}` : ''}`, type: 'button', 'data-action': e.action_id, 'data-value': e.value }, h('span', { html: plain(e.text) }));
      if (e.url) b.addEventListener('click', () => window.open(e.url, '_blank'));
      b.addEventListener('click', () => fire({ type: 'button', text: e.text, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.style ? { style: e.style } : {}) }));
      return b;
    }
    case 'overflow': {
      const wrap = h('span', { class: 'overflow-wrap' });
      const menu = h('div', { class: 'menu hidden' }, ...(e.options ?? []).map((o) => h('div', { class: 'menu-item', onclick: (ev) => { ev.stopPropagation(); menu.classList.add('hidden'); fire({ type: 'overflow', selected_option: optionOut(o) }); ctx.menuClosed?.(); } }, h('span', { html: plain(o.text) }))));
      const btn = h('button', { class: 'btn overflow', type: 'button', 'aria-label': 'More actions', 'data-action': e.action_id, onclick: (ev) => { ev.stopPropagation(); document.querySelectorAll('.menu').forEach((m) => m !== menu && m.classList.add('hidden')); menu.classList.toggle('hidden'); } }, '⋮');
      wrap.append(btn, menu);
      return wrap;
    }
    case 'static_select':
    case 'users_select': {
      const users = e.type === 'users_select';
      const selected = users ? (cur?.selected_user ?? e.initial_user ?? '') : (cur?.selected_option?.value ?? e.initial_option?.value ?? '');
      const sel = h('select', { class: 'select', 'data-action': e.action_id });
      sel.append(h('option', { value: '', disabled: true, selected: !selected }, (e.placeholder?.text ?? 'Select an item')));
      if (users) {
        for (const [id, p] of Object.entries(ctx.people ?? {})) sel.append(h('option', { value: id, selected: id === selected }, p.real_name ?? p.name));
      } else if (e.option_groups) {
        for (const g of e.option_groups) sel.append(h('optgroup', { label: g.label?.text ?? '' }, ...g.options.map((o) => h('option', { value: o.value, selected: o.value === selected }, o.text.text))));
      } else {
        for (const o of e.options ?? []) sel.append(h('option', { value: o.value, selected: o.value === selected }, o.text.text));
      }
      sel.addEventListener('change', () => {
        const v = users ? { type: e.type, selected_user: sel.value } : { type: e.type, selected_option: optionOut(allOptions(e).find((o) => o.value === sel.value)) };
        setValue(v);
        fire(users ? { type: e.type, selected_user: sel.value } : { type: e.type, selected_option: v.selected_option });
      });
      return sel;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const radio = e.type === 'radio_buttons';
      const chosen = new Set(
        cur ? (radio ? (cur.selected_option ? [cur.selected_option.value] : []) : cur.selected_options.map((o) => o.value)) : radio ? (e.initial_option ? [e.initial_option.value] : []) : (e.initial_options ?? []).map((o) => o.value),
      );
      const name = `${blockId}:${e.action_id}:${Math.random().toString(36).slice(2)}`;
      const list = h('div', { class: `options ${radio ? 'radios' : 'checks'}`, 'data-action': e.action_id });
      for (const o of e.options ?? []) {
        const box = h('input', { type: radio ? 'radio' : 'checkbox', name, value: o.value, checked: chosen.has(o.value) });
        box.addEventListener('change', () => {
          const picked = [...list.querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value);
          const opts = (e.options ?? []).filter((x) => picked.includes(x.value)).map(optionOut);
          const v = radio ? { type: e.type, selected_option: opts[0] ?? null } : { type: e.type, selected_options: opts };
          setValue(v);
          fire(v);
        });
        list.append(
          h('label', { class: 'option', 'data-value': o.value }, box, h('span', { class: 'option-body' }, h('span', { class: 'option-text', html: textHtml(o.text, ctx) }), o.description ? h('span', { class: 'option-desc', html: textHtml(o.description, ctx) }) : null)),
        );
      }
      return list;
    }
    case 'datepicker': {
      const i = h('input', { type: 'date', class: 'picker', value: cur?.selected_date ?? e.initial_date ?? '', 'data-action': e.action_id });
      i.addEventListener('change', () => {
        const v = { type: e.type, selected_date: i.value || null };
        setValue(v);
        fire(v);
      });
      return i;
    }
    case 'timepicker': {
      const i = h('input', { type: 'time', class: 'picker', value: cur?.selected_time ?? e.initial_time ?? '', 'data-action': e.action_id });
      i.addEventListener('change', () => {
        const v = { type: e.type, selected_time: i.value || null, ...(e.timezone ? { timezone: e.timezone } : {}) };
        setValue(v);
        fire(v);
      });
      return i;
    }
    case 'datetimepicker': {
      const epoch = cur ? cur.selected_date_time : e.initial_date_time;
      const shown = epoch ? localParts(epoch * 1000, tz) : { date: '', time: '' };
      const d = h('input', { type: 'date', class: 'picker', value: shown.date });
      const t = h('input', { type: 'time', class: 'picker', value: shown.time });
      const change = () => {
        // Cleared: nothing picked (an optional picker left empty submits null, as Slack's does).
        const v = { type: e.type, selected_date_time: d.value ? Math.floor(fromLocal(d.value, t.value || '00:00', tz) / 1000) : null };
        setValue(v);
        fire(v);
      };
      d.addEventListener('change', change);
      t.addEventListener('change', change);
      return h('span', { class: 'datetime', 'data-action': e.action_id, title: `in ${tz}` }, d, t, h('span', { class: 'tz' }, tz));
    }
    case 'plain_text_input':
    case 'url_text_input':
    case 'email_text_input':
    case 'number_input': {
      const kind = { url_text_input: 'url', email_text_input: 'email', number_input: 'text' }[e.type] ?? 'text';
      const attrs = { class: 'text-input', placeholder: e.placeholder?.text ?? '', 'data-action': e.action_id, ...(e.max_length ? { maxlength: e.max_length } : {}) };
      const field = e.multiline ? h('textarea', { ...attrs, rows: 4 }) : h('input', { ...attrs, type: kind });
      field.value = cur ? (cur.value ?? '') : (e.initial_value ?? '');
      field.addEventListener('input', () => setValue({ type: e.type, value: field.value === '' ? null : field.value }));
      field.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && !e.multiline && opts.dispatch) fire({ type: e.type, value: field.value });
      });
      return field;
    }
    case 'image':
      return h('img', { class: 'accessory-image', src: e.image_url, alt: e.alt_text ?? '' });
    default:
      return h('span', { class: 'unsupported' }, `[${e.type}]`);
  }
}

// ----- blocks ------------------------------------------------------------------------------------------------

function block(b, ctx) {
  const id = b.block_id;
  switch (b.type) {
    case 'header':
      return h('div', { class: 'blk header', 'data-block': id, html: plain(b.text) });
    case 'divider':
      return h('hr', { class: 'blk divider' });
    case 'context':
      return h(
        'div',
        { class: 'blk context', 'data-block': id },
        ...(b.elements ?? []).map((e) => (e.type === 'image' ? h('img', { class: 'context-image', src: e.image_url, alt: e.alt_text ?? '' }) : h('span', { class: 'context-text', html: textHtml(e, ctx) }))),
      );
    case 'section': {
      const body = h('div', { class: 'section-body' });
      if (b.text) body.append(h('div', { class: 'section-text', html: textHtml(b.text, ctx) }));
      if (b.fields) body.append(h('div', { class: 'fields' }, ...b.fields.map((f) => h('div', { class: 'field', html: textHtml(f, ctx) }))));
      const acc = b.accessory ? h('div', { class: `accessory accessory-${b.accessory.type}` }, element(b.accessory, id, ctx)) : null;
      return h('div', { class: 'blk section', 'data-block': id }, body, acc);
    }
    case 'actions':
      return h('div', { class: 'blk actions', 'data-block': id }, ...(b.elements ?? []).map((e) => element(e, id, ctx)));
    case 'input': {
      const err = ctx.errors?.[id];
      return h(
        'div',
        { class: `blk input${err ? ' has-error' : ''}`, 'data-block': id },
        h('label', { class: 'input-label' }, h('span', { html: plain(b.label) }), b.optional ? h('span', { class: 'optional' }, ' (optional)') : null),
        element(b.element, id, ctx, { input: true, dispatch: b.dispatch_action === true }),
        b.hint ? h('div', { class: 'hint', html: plain(b.hint) }) : null,
        err ? h('div', { class: 'input-error', role: 'alert' }, h('span', { class: 'emoji' }, '⚠️'), ' ', err) : null,
      );
    }
    case 'image':
      return h('figure', { class: 'blk image' }, b.title ? h('figcaption', { html: plain(b.title) }) : null, h('img', { src: b.image_url, alt: b.alt_text ?? '' }));
    case 'rich_text':
      return h('div', { class: 'blk rich-text', html: esc(JSON.stringify(b.elements ?? []).slice(0, 200)) });
    default:
      return h('div', { class: 'blk unsupported' }, `Unsupported block: ${b.type}`);
  }
}

export function renderBlocks(blocks, ctx) {
  const frag = document.createDocumentFragment();
  for (const b of blocks ?? []) frag.append(block(b, ctx));
  return frag;
}

/** The initial state values of a modal: every stateful element of its input and actions blocks. */
export function initialValues(blocks, ctx) {
  const values = {};
  for (const b of blocks ?? []) {
    const elements = b.type === 'input' ? [b.element] : b.type === 'actions' ? b.elements ?? [] : b.type === 'section' && b.accessory ? [b.accessory] : [];
    for (const e of elements) {
      const v = e && e.action_id ? initialValue(e, ctx) : undefined;
      if (v === undefined) continue;
      values[b.block_id] ??= {};
      values[b.block_id][e.action_id] = v;
    }
  }
  return values;
}
