import { tty } from './terminal-text.js';
import { parseArgs } from 'node:util';
import { err } from './command.js';
import type { CommandFlags, Flag } from './flags.js';
import { UsageError } from './usage-error.js';

/** A parsed flag's value, already checked: integers as numbers, URLs as their text. */
export type FlagValue = string | boolean | string[] | number | undefined;

/** Parsed flags (`--help` included), positionals, and the flags the command declared. */
export interface ParsedArgs {
  values: Record<string, FlagValue>;
  positionals: string[];
  flags: ReadonlyMap<string, Flag>;
}

/**
 * Parses a command's arguments strictly against its declared flags: an unknown flag, a missing
 * value, a surplus positional, a missing required flag, a number out of bounds or a URL that is
 * not absolute http(s) is a {@link UsageError} (exit code 2). An old spelling is accepted with a
 * warning on stderr naming the new one. With `--help`, only the flag names are checked.
 */
export function parseCommandArgs(argv: readonly string[], spec: CommandFlags): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const flag of spec.flags) {
    const type = flag.kind === 'boolean' ? 'boolean' : 'string';
    const multiple = flag.repeatable ? { multiple: true } : {};
    options[flag.name] = { type, ...multiple };
    for (const old of flag.formerly ?? []) options[old.name] = { type, ...multiple };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const values = { ...parsed.values } as Record<string, FlagValue>;
  const flags = new Map(spec.flags.map((flag) => [flag.name, flag]));
  const args: ParsedArgs = { values, positionals: parsed.positionals, flags };
  if (values.help) return args;
  const max = spec.positionals ?? 0;
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[max])}`);
  }
  for (const flag of spec.flags) {
    renameFormerSpellings(spec.command, flag, values);
    values[flag.name] = checked(flag, values[flag.name]);
  }
  return args;
}

/** Moves an old spelling's value to the flag's name, warning on stderr. */
function renameFormerSpellings(command: string, flag: Flag, values: Record<string, FlagValue>): void {
  for (const old of flag.formerly ?? []) {
    const value = values[old.name];
    if (value === undefined) continue;
    delete values[old.name];
    if (values[flag.name] !== undefined) {
      throw new UsageError(`--${old.name} is the old spelling of --${flag.name}: pass only --${flag.name}`);
    }
    const unit = old.scale ? ` (the old value × ${old.scale})` : '';
    err(
      tty`kuratchi-ses ${command}: --${old.name} is deprecated, use --${flag.name}${unit}; the old spelling works until the next release`,
    );
    values[flag.name] =
      old.scale && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? String(Number(value) * old.scale)
        : value;
  }
}

/** A flag's value checked against its kind, bounds and whether it is required. */
function checked(flag: Flag, value: FlagValue): FlagValue {
  if (value === undefined || value === '') {
    if (flag.required) throw new UsageError(`--${flag.name} is required: ${flag.note ?? flag.meaning}`);
    return flag.kind === 'boolean' ? false : undefined;
  }
  if (typeof value !== 'string') return value; // a boolean, or a repeatable flag's list
  if (flag.kind === 'integer') {
    const number = Number(value);
    const min = flag.min ?? 0;
    const max = flag.max ?? Number.MAX_SAFE_INTEGER;
    if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
      throw new UsageError(`--${flag.name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
    }
    return number;
  }
  if (flag.kind === 'url') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`--${flag.name} must be an absolute URL (${flag.meaning}), not ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--${flag.name} must be an http:// or https:// URL, not ${JSON.stringify(value)}`);
    }
    return value;
  }
  return value;
}

function declared(args: ParsedArgs, name: string): Flag {
  const flag = args.flags.get(name);
  if (!flag && name !== 'help') throw new Error(`--${name} is not a declared flag of this command`);
  return flag!;
}

/** A text flag's value, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  declared(args, name);
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable text flag's values (none: an empty list). */
export function stringsFlag(args: ParsedArgs, name: string): string[] {
  declared(args, name);
  const value = args.values[name];
  return Array.isArray(value) ? value : [];
}

/** A text flag that must be given here (`what` says what it is, default the flag's meaning). */
export function requiredFlag(args: ParsedArgs, name: string, what?: string): string {
  const flag = declared(args, name);
  const value = stringFlag(args, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required: ${what ?? flag.meaning}`);
  return value;
}

/** A boolean flag. */
export function booleanFlag(args: ParsedArgs, name: string): boolean {
  declared(args, name);
  return args.values[name] === true;
}

/** A whole-number flag's value, or undefined when not given and without a default. */
export function optionalIntegerFlag(args: ParsedArgs, name: string): number | undefined {
  const flag = declared(args, name);
  const value = args.values[name];
  if (typeof value === 'number') return value;
  return typeof flag.default === 'number' ? flag.default : undefined;
}

/** A whole-number flag's value, or its declared default. */
export function integerFlag(args: ParsedArgs, name: string): number {
  const value = optionalIntegerFlag(args, name);
  if (value === undefined) throw new Error(`--${name} has no default: read it with optionalIntegerFlag`);
  return value;
}

/** A URL flag (http or https) that must be given here. */
export function urlFlag(args: ParsedArgs, name: string): URL {
  return new URL(requiredFlag(args, name));
}
