/**
 * manifest.yml gives /promote `should_escape: true`, so that a person picked from Slack's suggestions arrives as
 * `<@U123|name>` (what `/promote assign` needs). Slack then also wraps channels (`<#C123|deploys>`), links
 * (`<https://…>`, `<https://…|label>`) and special mentions (`<!here>`) in the text. Free text that is kept and shown
 * as typed (an abort's reason) is turned back into what the person wrote.
 */
export function plainFromEscaped(text: string): string {
  return text.replace(/<([@#!])([^>|]*)(?:\|([^>]*))?>|<([^>|]+)(?:\|([^>]*))?>/g, (_all, sigil?: string, id?: string, name?: string, url?: string, label?: string) => {
    if (sigil === '@') return `@${name || id}`;
    if (sigil === '#') return `#${name || id}`;
    // `<!here>`, `<!channel>`; a user group is `<!subteam^S123|@dba>`.
    if (sigil === '!') return name || `@${id!.replace(/^subteam\^\w+$/, 'group')}`;
    return label && label !== url ? `${label} (${url})` : url!;
  });
}
