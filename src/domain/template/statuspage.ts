import { z } from 'zod';

/**
 * The template's status page (issue 12): which Statuspage page the bot keeps in step with the promotion, and how the
 * maintenance is named there. With STATUSPAGE_API_KEY set, scheduling the window creates a scheduled maintenance and
 * a rollback opens an incident (src/services/statuspage.ts); without it, nothing is called and the template's
 * status-page items stay manual.
 *
 * `{release}` in `name` and `body` is replaced by the release; `{start}` and `{end}` in `body` by the window's UTC
 * times. What is written here is public: it is shown on the status page.
 */

/** Statuspage's ids: a page's and a component's (letters and digits, e.g. `kctbh9vrtdwd`). */
const statuspageId = z.string().regex(/^[a-z0-9]{4,32}$/i, 'must be a Statuspage id (letters and digits, from the page\'s URL in Statuspage)');

export const statuspageSchema = z
  .object({
    page_id: statuspageId,
    /** The components the maintenance (and a rollback's incident) affects. */
    components: z.array(statuspageId).max(50).default([]),
    maintenance: z
      .object({
        /** Statuspage allows 255 characters; the release fills `{release}`. */
        name: z.string().min(1).max(200).optional(),
        body: z.string().min(1).max(5000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .optional();

export type StatuspageSpec = NonNullable<z.output<typeof statuspageSchema>>;
