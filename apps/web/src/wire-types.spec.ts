import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

/**
 * The types the console declares itself, each the console's own state and not a shape the server sends
 * or accepts. What the server sends comes from `@loa/api-types`, so a change there is a type error here.
 */
const CONSOLE_OWN: Record<string, string> = {
  'calendar-format.ts ClockParts': 'hour, minute and second of a wall clock, for labels',
  'calendar-format.ts HolidayEvent': 'a FullCalendar background event built from HolidayView',
  'slot-form.ts Repeat': "the form's repeat choice, turned into an RRULE",
  'slot-form.ts SlotForm': 'the slot form as typed, before it becomes a request body',
  'views/LiveView.vue Source': 'which source tab is open',
  'views/AdminView.vue Tab': 'which admin tab is open',
  'views/DashboardView.vue Row': 'a dashboard row joining StationView, AgentStatusView and SlotView',
  'views/CommuneView.vue Mode': 'upload, text-to-speech or microphone',
  'recurrence.ts Weekday': "an alias of @loa/schedule's WeekdayCode",
  'i18n.ts MessageKey': 'a key of the message catalogue',
  'i18n.ts Lang': 'the console language',
  'dossier.ts DossierRequest': "the dossier form's days and tick box, turned into the query by dossierPath",
  'catalog-forms.ts PlanTargetForm': 'the plan target form as typed',
  'router.ts Page': 'a page of the console',
  'units-tree.ts UnitRow': 'a UnitView with its depth in the drawn tree',
  'mic-link.ts MicSocket': "what the microphone link needs of the browser's WebSocket",
  'mic-link.ts MicLinkOptions': "the microphone link's callbacks",
  'mic.ts OpenMic': 'an open browser microphone',
  'operator.ts OperatorKey': "a key of the commune console's messages",
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = sources(SRC).map((path) => ({ file: relative(SRC, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }));

describe('the console takes every wire type from @loa/api-types', () => {
  it('declares no type or interface of its own beyond the listed console state', () => {
    const declared = files.flatMap(({ file, text }) =>
      [...text.matchAll(/^\s*(?:export\s+)?(?:interface|type)\s+([A-Za-z_]\w*)\s*(?:<[^>]*>)?\s*(?:=|\{|extends\b)/gm)].map((m) => `${file} ${m[1]}`),
    );
    expect(declared.sort()).toEqual(Object.keys(CONSOLE_OWN).sort());
  });

  it('types no API answer inline: get<…>/api<…> name a declared type, never an object literal', () => {
    const inline = files.flatMap(({ file, text }) => [...text.matchAll(/\b(?:get|api|post|patch|put|del)<\s*\{/g)].map((m) => `${file}: ${m[0]}`));
    expect(inline).toEqual([]);
  });
});
