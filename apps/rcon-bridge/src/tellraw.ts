/**
 * Pure: what `tellraw` may carry on the restricted socket. Only plain text components: no click or
 * hover events, no insertion, and none of the components that read the world (nbt, selector,
 * score) or the client (keybind, translate). Both spellings of events (clickEvent, click_event)
 * fall under "unknown key". The command sent upstream is rebuilt from the checked value, so a
 * duplicate key or a lenient parser upstream cannot see something the check did not.
 */

const NAMED_COLORS = new Set([
  'black',
  'dark_blue',
  'dark_green',
  'dark_aqua',
  'dark_red',
  'dark_purple',
  'gold',
  'gray',
  'dark_gray',
  'blue',
  'green',
  'aqua',
  'red',
  'light_purple',
  'yellow',
  'white',
]);
const FLAGS = new Set(['bold', 'italic', 'underlined', 'strikethrough', 'obfuscated']);
export const PLAIN_COMPONENT_KEYS = ['text', 'color', ...FLAGS, 'extra'] as const;
const MAX_DEPTH = 8;
/** `@a`, `@p`, `@r`, `@s` without arguments, or a player name. */
const TARGET = /^(@[aprs]|[A-Za-z0-9_]{1,16})$/;

export type TellrawCheck = { ok: true; command: string } | { ok: false; why: string };

/** `args` is what follows `tellraw `: TARGET COMPONENT. */
export function checkTellraw(args: string): TellrawCheck {
  const space = args.indexOf(' ');
  const target = space < 0 ? args : args.slice(0, space);
  const json = space < 0 ? '' : args.slice(space + 1);
  if (!TARGET.test(target)) {
    return {
      ok: false,
      why: `tellraw's target must be @a, @p, @r, @s or a player name, without selector arguments (got "${target.slice(0, 40)}")`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, why: 'tellraw needs one JSON text component after the target (a string, a list, or {"text": ...})' };
  }
  const problem = componentProblem(value, 0);
  if (problem) return { ok: false, why: `tellraw on the backup socket takes plain text only: ${problem}` };
  return { ok: true, command: `tellraw ${target} ${JSON.stringify(value)}` };
}

function componentProblem(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `components nested deeper than ${MAX_DEPTH}`;
  if (typeof value === 'string') return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    for (const item of value) {
      const problem = componentProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return 'a component is a string, a list or an object';
  const object = value as Record<string, unknown>;
  if (typeof object.text !== 'string') return 'every object needs "text" as a string';
  for (const [key, field] of Object.entries(object)) {
    if (key === 'text') continue;
    if (key === 'color') {
      if (typeof field !== 'string' || !(NAMED_COLORS.has(field) || /^#[0-9a-fA-F]{6}$/.test(field))) {
        return '"color" must be a color name or #RRGGBB';
      }
    } else if (FLAGS.has(key)) {
      if (typeof field !== 'boolean') return `"${key}" must be true or false`;
    } else if (key === 'extra') {
      if (!Array.isArray(field)) return '"extra" must be a list';
      const problem = componentProblem(field, depth + 1);
      if (problem) return problem;
    } else {
      return `"${key.slice(0, 40)}" is not allowed (allowed: ${PLAIN_COMPONENT_KEYS.join(', ')})`;
    }
  }
  return undefined;
}
