import assert from 'node:assert/strict';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import { appFileOf, CONTENT_TYPES } from '../../../electron/main/app-files.js';

const ROOT = join(sep, 'opt', 'croissant2ban', 'window');
const url = (path: string) => `app://croissant2ban${path}`;

test('the root is index.html', () => {
  for (const root of [ROOT, ROOT + sep]) {
    assert.deepEqual(appFileOf(root, 'app://croissant2ban/'), { path: join(ROOT, 'index.html'), contentType: 'text/html; charset=utf-8' });
    assert.deepEqual(appFileOf(root, 'app://croissant2ban'), { path: join(ROOT, 'index.html'), contentType: 'text/html; charset=utf-8' });
  }
});

test('files the window needs are served with their type, queries and fragments ignored', () => {
  const cases: [string, string, string][] = [
    ['/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['/assets/app.js', 'assets/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/app.js.map', 'assets/app.js.map', 'application/json'],
    ['/style.css', 'style.css', 'text/css; charset=utf-8'],
    ['/icons/tray%20icon.svg', 'icons/tray icon.svg', 'image/svg+xml'],
    ['/icons/app.png', 'icons/app.png', 'image/png'],
    ['/i18n/fr.json', 'i18n/fr.json', 'application/json'],
    ['/app.js?v=3#top', 'app.js', 'text/javascript; charset=utf-8'],
  ];
  for (const [path, file, contentType] of cases) assert.deepEqual(appFileOf(ROOT, url(path)), { path: join(ROOT, file), contentType }, path);
  assert.deepEqual(Object.keys(CONTENT_TYPES).sort(), ['.css', '.html', '.js', '.json', '.map', '.png', '.svg']);
});

const TRAVERSALS = [
  '/../secret.js',
  '/../../../../etc/passwd',
  '/assets/../../secret.js',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/secret.json',
  '/..%2Fsecret.js',
  '/..%2fsecret.js',
  '/assets%2F..%2F..%2Fsecret.js',
  '/%2e%2e%2fsecret.js',
  '/assets%2Fapp.js',
  '/..%5Csecret.js',
  '/assets\\..\\..\\secret.js',
  '/assets%5C..%5Csecret.js',
  '/index.html%00.png',
  '/index.html%00',
  '/.env',
  '/.git/config',
  '/assets/.hidden.js',
  '/%2eenv.json',
  '/.%2e/secret.js',
  '//etc/passwd',
  '/%2Fetc%2Fpasswd.json',
  '/%E0%A4%A',
  '/%',
];

test('traversal, encoded separators, NUL and hidden files are refused; nothing ever leaves the root', () => {
  for (const path of TRAVERSALS) {
    const file = appFileOf(ROOT, url(path));
    if (file !== null) assert.ok(file.path.startsWith(ROOT + sep), `${path} -> ${file.path}`);
  }
  for (const path of [
    '/..%2Fsecret.js',
    '/assets%2F..%2F..%2Fsecret.js',
    '/%2e%2e%2fsecret.js',
    '/assets%2Fapp.js',
    '/..%5Csecret.js',
    '/assets\\..\\..\\secret.js',
    '/index.html%00.png',
    '/index.html%00',
    '/.env',
    '/.git/config',
    '/assets/.hidden.js',
    '/%2eenv.json',
    '/%2Fetc%2Fpasswd.json',
    '/%E0%A4%A',
    '/%',
  ]) {
    assert.equal(appFileOf(ROOT, url(path)), null, path);
  }
});

test('other hosts and schemes are refused', () => {
  for (const address of [
    'app://other/index.html',
    'app://croissant2ban.evil/index.html',
    'app://croissant2ban:80/index.html',
    'http://croissant2ban/index.html',
    'https://croissant2ban/index.html',
    `file://${ROOT}/index.html`,
    'apps://croissant2ban/index.html',
    'index.html',
    '/index.html',
    '',
  ]) {
    assert.equal(appFileOf(ROOT, address), null, address);
  }
});

test('files of other types are refused', () => {
  for (const path of ['/index.htm', '/app.mjs', '/app.JS', '/Makefile', '/secret.key', '/index.html.bak', '/db.sqlite', '/app.exe', '/assets/']) {
    assert.equal(appFileOf(ROOT, url(path)), null, path);
  }
});
