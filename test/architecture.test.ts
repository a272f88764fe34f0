/**
 * The layering ARCHITECTURE.md promises, checked on the source: the use cases (src/services/) and the pure logic
 * (src/domain/) import nothing from blocks/ (Block Kit is rendered behind the port: kinds of message, deps.slack),
 * nothing from src/slack/ or an @slack package (Slack is `deps.slack`, a SlackPort), and name no Slack error code
 * (the port turns them into DisplayBehind, DisplayBroken, CannotPost, GroupsUnavailable). Comments may name them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@slack/web-api';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { TERMINAL_ERRORS } from '../src/slack/publisher.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHECKED = ['src/services', 'src/domain'];

/**
 * Slack Web API error codes a use case might be tempted to test for. Generic words Slack also uses (`not_found`,
 * a code of our own refusals too) are left out: the point is Slack's vocabulary, not ours.
 */
const SLACK_ERROR_CODES = new Set([
  ...TERMINAL_ERRORS,
  'thread_not_found',
  'invalid_metadata_format',
  'plan_upgrade_required',
  'ratelimited',
  'rate_limited',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'no_text',
  'invalid_arguments',
  'fatal_error',
  'internal_error',
  'request_timeout',
  'service_unavailable',
  'user_not_found',
  'subteam_not_found',
  'not_allowed_token_type',
  'team_access_not_granted',
  ...Object.values(ErrorCode),
]);

/** What a module refers to: every module it imports or re-exports, and every piece of literal text in its code. */
function scan(fileName: string, source: string): { specifiers: string[]; texts: string[] } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      specifiers.push(node.moduleReference.expression.text);
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      texts.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { specifiers, texts };
}

/** Everything wrong with one module, as `file: what`. `fileName` is relative to the repository's root. */
function problems(fileName: string, source: string): string[] {
  const found: string[] = [];
  const { specifiers, texts } = scan(fileName, source);
  for (const spec of specifiers) {
    if (spec.startsWith('@slack/')) {
      found.push(`${fileName}: imports ${spec} (Slack is deps.slack, a SlackPort)`);
      continue;
    }
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(fileName), spec));
    if (target === 'blocks' || target.startsWith('blocks/')) found.push(`${fileName}: imports ${spec} (Block Kit is rendered behind the port)`);
    if (target.startsWith('src/slack/')) found.push(`${fileName}: imports ${spec} (Slack is deps.slack, a SlackPort)`);
  }
  for (const text of texts) {
    for (const word of text.match(/[a-z][a-z0-9]*(?:_[a-z0-9]+)+/g) ?? []) {
      if (SLACK_ERROR_CODES.has(word)) found.push(`${fileName}: names Slack's error code ${word} (the port throws typed errors instead)`);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|tsx)$/.test(e.name))
    .map((e) => path.posix.join(path.relative(ROOT, e.parentPath).split(path.sep).join('/'), e.name))
    .sort();
}

describe('the layers', () => {
  it.each(CHECKED)('%s imports nothing from blocks/, src/slack/ or @slack, and names no Slack error code', (dir) => {
    const files = sourceFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((f) => problems(f, readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('catches each way of breaking them (so the check above is not vacuous)', () => {
    const cases: Array<[string, string]> = [
      [`import { esc } from '../../blocks/text.js';`, 'imports ../../blocks/text.js'],
      [`export { abortNotice } from '../../blocks/replies.js';`, 'imports ../../blocks/replies.js'],
      [`const m = await import('../../blocks/layout.js');`, 'imports ../../blocks/layout.js'],
      [`type R = import('../../blocks/checklist.js').RenderedMessage;`, 'imports ../../blocks/checklist.js'],
      [`import type { KnownBlock } from '@slack/types';`, 'imports @slack/types'],
      [`import { slackErrorCode } from '../slack/publisher.js';`, 'imports ../slack/publisher.js'],
      [`if (code === 'not_in_channel') retry();`, 'error code not_in_channel'],
      [`const why = \`Slack said \${x} (is_archived)\`;`, 'error code is_archived'],
      [`if (err.code === 'slack_webapi_platform_error') {}`, 'error code slack_webapi_platform_error'],
    ];
    for (const [source, expected] of cases) {
      const found = problems('src/services/example.ts', source);
      expect(found, source).toHaveLength(1);
      expect(found[0], source).toContain(expected);
    }
    // Comments, our own refusal codes and the port's typed errors are fine.
    expect(
      problems(
        'src/services/example.ts',
        `// Slack answers not_in_channel here\nimport { CannotPost } from './deps.js';\nthrow new UserError('Not found', 'not_found');`,
      ),
    ).toEqual([]);
  });
});
