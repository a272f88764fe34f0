import { templateSchema, type Template } from '../../src/domain/template.js';

/**
 * A real template (through the schema, defaults and all) with one section of the given items: what the store
 * and service tests need when the built-in checklists would only get in the way.
 */
export function oneSectionTemplate(items: unknown[], id = 'tiny'): Template {
  return { id, ...templateSchema.parse({ name: id, sections: [{ id: 's', title: 'S', kind: 'gates', items }] }) };
}
