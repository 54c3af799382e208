import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AUTOSTART_FILE, createAutostart, desktopEntry } from '../../../electron/main/autostart.js';

/**
 * The command a launcher runs for an Exec value, read the way the Desktop Entry specification says:
 * first the string escapes of the value (\s \n \t \r \\), then the Exec quoting rules (inside
 * double quotes, \" \` \$ \\ stand for the character), with %% for a literal %.
 */
function execCommand(entry: string): string[] {
  const line = entry.split('\n').find((text) => text.startsWith('Exec='));
  assert.ok(line, 'the entry has an Exec line');
  const raw = line.slice('Exec='.length);
  let value = '';
  for (let index = 0; index < raw.length; index++) {
    const character = raw[index]!;
    if (character !== '\\') {
      value += character;
      continue;
    }
    const next = raw[++index];
    const escapes: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };
    assert.ok(next !== undefined && next in escapes, `unknown string escape \\${next}`);
    value += escapes[next]!;
  }
  const args: string[] = [];
  let current: string | null = null;
  let quoted = false;
  for (let index = 0; index < value.length; index++) {
    const character = value[index]!;
    if (character === '%') {
      assert.equal(value[++index], '%', 'only %% may appear: other field codes would be expanded');
      current = (current ?? '') + '%';
    } else if (quoted) {
      if (character === '"') quoted = false;
      else if (character === '\\') {
        const next = value[++index]!;
        assert.ok('"`$\\'.includes(next), `\\${next} is not an escape inside quotes`);
        current += next;
      } else {
        assert.ok(!'"`$\\'.includes(character), `${character} must be escaped inside quotes`);
        current += character;
      }
    } else if (character === ' ') {
      if (current !== null) args.push(current);
      current = null;
    } else if (character === '"') {
      quoted = true;
      current ??= '';
    } else {
      assert.ok(!' \t\n"\'\\><~|&;$*?#()`'.includes(character), `reserved ${JSON.stringify(character)} outside quotes`);
      current = (current ?? '') + character;
    }
  }
  assert.equal(quoted, false, 'quotes are closed');
  if (current !== null) args.push(current);
  return args;
}

const entryValue = (entry: string, key: string) => entry.split('\n').find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);

test('a desktop entry starts the app, and is a complete autostart entry', () => {
  const entry = desktopEntry(['/usr/bin/croissant2ban', '--hidden']);
  assert.equal(entry.split('\n')[0], '[Desktop Entry]');
  assert.equal(entryValue(entry, 'Type'), 'Application');
  assert.equal(entryValue(entry, 'Name'), 'Croissant2Ban');
  assert.equal(entryValue(entry, 'Exec'), '"/usr/bin/croissant2ban" "--hidden"');
  assert.equal(entryValue(entry, 'Terminal'), 'false');
  assert.ok(entry.endsWith('\n'));
  assert.deepEqual(execCommand(entry), ['/usr/bin/croissant2ban', '--hidden']);
});

test('Exec arguments are quoted and escaped as the specification asks', () => {
  const exec = (argument: string) => entryValue(desktopEntry([argument]), 'Exec');
  assert.equal(exec('/opt/My Apps/croissant2ban'), '"/opt/My Apps/croissant2ban"');
  assert.equal(exec('say "hi"'), '"say \\\\"hi\\\\""');
  assert.equal(exec('C:\\path'), '"C:\\\\\\\\path"', 'a literal backslash takes four');
  assert.equal(exec('$HOME'), '"\\\\$HOME"');
  assert.equal(exec('`id`'), '"\\\\`id\\\\`"');
  assert.equal(exec('100%'), '"100%%"');
  assert.equal(exec('%U'), '"%%U"', 'never a field code');
  assert.equal(exec(''), '""');
});

test('hostile arguments come back unchanged when a launcher reads the entry', () => {
  const command = [
    '/home/me/Apps/Croissant 2 Ban/croissant2ban',
    '--user-data-dir=/home/me/.config/croissant2ban',
    `it's "quoted"`,
    'back\\slash\\\\double',
    '$(rm -rf ~) `reboot` ${HOME}',
    '100% %f %U %%',
    "; | & > < ~ * ? # ( ) '",
    'tab\there',
    'ünïcödé 🥐',
  ];
  assert.deepEqual(execCommand(desktopEntry(command)), command);
});

test('line breaks and NUL are refused, and so is an empty command', () => {
  for (const argument of ['a\nb', 'a\rb', 'a\0b', '--x\n[Desktop Entry]\nExec=evil']) {
    assert.throws(() => desktopEntry(['/usr/bin/croissant2ban', argument]), /line breaks/);
  }
  assert.throws(() => desktopEntry([]), /needs a command/);
});

function configHome(t: { after: (fn: () => void) => void }) {
  const folder = mkdtempSync(join(tmpdir(), 'croissant2ban-autostart-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return join(folder, 'config');
}

test('createAutostart writes the entry in $XDG_CONFIG_HOME/autostart and removes it', (t) => {
  const home = configHome(t);
  const command = ['/opt/Croissant2Ban/croissant2ban', '--hidden'];
  const autostart = createAutostart({ configHome: home, command });
  const file = join(home, 'autostart', AUTOSTART_FILE);
  assert.equal(AUTOSTART_FILE, 'croissant2ban.desktop');
  assert.equal(autostart.enabled(), false);

  autostart.set(true);
  assert.equal(autostart.enabled(), true);
  assert.equal(readFileSync(file, 'utf8'), desktopEntry(command));
  assert.equal(statSync(file).mode & 0o022, 0, 'not writable by others');
  autostart.set(true);
  assert.deepEqual(readdirSync(join(home, 'autostart')), [AUTOSTART_FILE], 'no temporary file left behind');

  autostart.set(false);
  assert.equal(autostart.enabled(), false);
  assert.equal(existsSync(file), false);
  autostart.set(false);
  assert.equal(autostart.enabled(), false, 'turning off twice is fine');
});

test("the entry is seen by another instance (it is the file that says, not memory)", (t) => {
  const home = configHome(t);
  createAutostart({ configHome: home, command: ['/usr/bin/croissant2ban'] }).set(true);
  assert.equal(createAutostart({ configHome: home, command: ['/usr/bin/croissant2ban'] }).enabled(), true);
});
